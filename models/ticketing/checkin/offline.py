"""Scans an offline desk decided and uploads later, recorded as facts: at the time they
were made (not when they arrived), a nonce counting once. The server never drops one: an
entry that another desk's entry already covered is kept and marked a `double_entry`
conflict (both scans kept); one the rules refuse now (a ticket cancelled meanwhile) is a
`refused_after_admitted` conflict."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Invalid, NotFound
from models.ticketing.attendees import Scan
from models.ticketing.checkin.list_tables import CheckInConflict
from models.ticketing.checkin.lists import rules_for
from models.ticketing.checkin.rules import ALREADY_INSIDE, ListRules, Refused
from models.ticketing.checkin.scan import (
    Locked,
    add_scan,
    check_may_scan,
    lock_attendee,
    set_columns,
)
from models.ticketing.codes import MAX_ATTENDEE_ID
from models.ticketing.staff import door_event

CONFLICTS = CheckInConflict.__table__
MAX_UPLOAD = 500  # scans per upload: the desk sends its queue in pages
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # as the desk's online scans
CLOCK_SLACK = timedelta(minutes=5)  # a desk's clock ahead of the server's, at most
Outcome = Literal["recorded", "replayed", "double_entry", "refused_after_admitted",
                  "unknown_attendee"]


@dataclass(frozen=True)
class OfflineScan:
    attendee_id: int
    nonce: str
    scanned_at: datetime
    device_name: str | None


@dataclass(frozen=True)
class Recorded:
    nonce: str
    outcome: Outcome


def parse_offline_scans(items: object) -> list[OfflineScan]:
    """The scans of an upload: a list of {attendee, nonce, scanned-at, device-name}
    (Invalid with the member's pointer otherwise)."""
    if not isinstance(items, list):
        raise Invalid("scans must be a list", code="invalid_scans", pointer="/scans")
    if len(items) > MAX_UPLOAD:
        raise Invalid(f"Upload at most {MAX_UPLOAD} scans at once", code="too_many_scans",
                      pointer="/scans")
    out = []
    for i, item in enumerate(items):
        pointer = f"/scans/{i}"
        try:
            attendee, nonce = item["attendee"], item["nonce"]
            at = datetime.fromisoformat(item["scanned-at"].replace("Z", "+00:00"))
            device = item.get("device-name")
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise Invalid("Each scan needs attendee, nonce, scanned-at (ISO-8601) and "
                          "device-name", code="invalid_scan", pointer=pointer) from exc
        if not (isinstance(attendee, int) and not isinstance(attendee, bool)
                and 1 <= attendee <= MAX_ATTENDEE_ID) or not NONCE.match(str(nonce)) \
                or at.tzinfo is None or not (device is None or isinstance(device, str)
                                             and 1 <= len(device) <= 255):
            raise Invalid("A scan holds a bad attendee, nonce, time or device name",
                          code="invalid_scan", pointer=pointer)
        out.append(OfflineScan(attendee, nonce, at.astimezone(UTC), device))
    return out


def _neighbour_entry(scans: list[Scan], mine: Scan) -> Scan | None:
    """Another device's entry next to `mine` in time with no exit between: the same
    ticket let in twice."""
    ordered = sorted(scans, key=lambda sc: (sc.at, sc.id))
    i = ordered.index(mine)
    for other in (ordered[i - 1] if i else None,
                  ordered[i + 1] if i + 1 < len(ordered) else None):
        if other and other.kind == "entry" and other.device_name != mine.device_name:
            return other
    return None


def _conflict(conn: Connection, locked: Locked, scan: OfflineScan, rules: ListRules | None,
              kind: str, *, reason: str | None = None, scan_id: int | None = None,
              other_id: int | None = None) -> None:
    conn.execute(insert(CONFLICTS), {
        "event_id": locked.attendee.event_id, "attendee_id": locked.attendee.id,
        "list_id": rules.list_id if rules else None, "kind": kind, "reason": reason,
        "device_name": scan.device_name, "scanned_at": scan.scanned_at, "nonce": scan.nonce,
        "scan_id": scan_id, "other_scan_id": other_id, "created_at": utcnow()})


def _record(conn: Connection, actor: User, event_id: int, rules: ListRules | None,
            scan: OfflineScan) -> Outcome:
    try:
        locked = lock_attendee(conn, actor.id, attendee_id=scan.attendee_id)
    except NotFound:
        return "unknown_attendee"
    if locked.attendee.event_id != event_id:
        return "unknown_attendee"
    if any(sc.nonce == scan.nonce for sc in locked.scans) or conn.execute(
            select(CONFLICTS.c.id).where(CONFLICTS.c.attendee_id == scan.attendee_id,
                                         CONFLICTS.c.nonce == scan.nonce)).first():
        return "replayed"
    try:
        check_may_scan(locked, rules=rules, at=scan.scanned_at, conn=conn)
    except Refused as refused:
        if refused.code != ALREADY_INSIDE:
            _conflict(conn, locked, scan, rules, "refused_after_admitted",
                      reason=refused.code)
            return "refused_after_admitted"
    recorded, _ = add_scan(conn, locked, "entry", at=scan.scanned_at,
                           device=scan.device_name, nonce=scan.nonce)
    latest = max(locked.scans, key=lambda sc: (sc.at, sc.id))
    if latest.kind == "exit":  # an older entry than the exit that followed it: still out
        set_columns(conn, locked.attendee, is_checked_out=True)
    other = _neighbour_entry(locked.scans, recorded)
    if other is not None:
        _conflict(conn, locked, scan, rules, "double_entry", scan_id=recorded.id,
                  other_id=other.id)
        return "double_entry"
    return "recorded"


def record_offline_scans(db: Database, actor: User, event_id: int, list_id: int | None,
                         scans: list[OfflineScan]) -> list[Recorded]:
    """Record the entries a desk admitted offline on `list_id` (None: the default list),
    each in its own transaction, in the order given; a nonce seen before (as a scan or a
    conflict) is `replayed` and records nothing. Forbidden unless the actor may work the
    event's door; Invalid on a scan time in the future."""
    latest = utcnow() + CLOCK_SLACK
    if any(sc.scanned_at > latest for sc in scans):
        raise Invalid("A scan time is in the future", code="scan_in_future",
                      pointer="/scans")
    with db.session() as s:
        door_event(s, actor, event_id)
    rules = rules_for(db, event_id, list_id)
    out = []
    for scan in scans:
        with db.engine.begin() as conn:
            out.append(Recorded(scan.nonce, _record(conn, actor, event_id, rules, scan)))
    return out
