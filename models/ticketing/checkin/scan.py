"""Check-in and check-out scans. Every scan is an append-only row (deduplicated by the
client's nonce per attendee); the attendee's CSV attributes are derived from the rows, so
two devices scanning one attendee at once both count. The attendee row is locked per scan
so its inside/outside state and the events recorded follow one order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from contracts.ticketing import AttendeeCheckedIn, AttendeeCheckedOut
from models.accounts.tokens import refuse_stale_token
from models.catalog.events import manages
from models.catalog.tables import Ticket
from models.core.base import detached, utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.uow import outbox_row, record_on
from models.ticketing.attendees import ATTENDEE_NOT_FOUND, AttendeeView, Scan
from models.ticketing.checkin.rules import (
    DETAILS,
    WRONG_LIST,
    Holder,
    ListRules,
    Refused,
    refusal,
)
from models.ticketing.checkin.statements import (
    ADD_SCAN,
    ATTENDEES,
    LOCK_BY_ID,
    LOCK_BY_ORDER_CODE,
    LOCK_BY_SECRET,
    SCANS_OF,
    SET_STATE,
    USER_EXISTS,
    WRITE_SCAN,
)
from models.ticketing.codes import MAX_ATTENDEE_ID, OrderCode, parse_order_code
from models.ticketing.tables import Attendee

NEEDS_CHECK_IN = "Attendee needs to be checked in first"
TICKETS = Ticket.__table__


@dataclass
class ScanResult:
    view: AttendeeView
    scan: Scan
    replayed: bool


@dataclass
class Locked:
    """An attendee whose row this transaction holds, with its scans, its event's owner,
    its buyer, and who the actor is to its event."""

    attendee: Attendee  # detached; kept in step with what the transaction writes
    scans: list[Scan]
    next_scan_id: int | None  # PostgreSQL: taken for the first scan this transaction adds
    owner_id: int
    buyer_id: int
    order_status: str  # read unlocked: a payment completing it meanwhile is seen next scan
    actor_id: int
    actor_is_admin: bool
    actor_is_staff: bool
    window: tuple[datetime, datetime]  # the event's start and end

    @property
    def actor_manages(self) -> bool:
        return manages(self.actor_id, self.actor_is_admin, self.owner_id)

    @property
    def actor_may_scan(self) -> bool:
        return self.actor_manages or self.actor_is_staff

    @property
    def inside(self) -> bool:
        return self.attendee.is_checked_in and not self.attendee.is_checked_out

    def view(self) -> AttendeeView:
        return AttendeeView(self.attendee, self.scans)


def pointer_to(member: str) -> str:
    return f"/data/attributes/{member}"


def lock_attendee(conn: Connection, actor_id: int, *, attendee_id: int | None = None,
                  secret: str | None = None, order_code: OrderCode | None = None,
                  token_version: int | None = None) -> Locked:
    """The attendee (row locked: its scans are taken one at a time) and its scans so far;
    Unauthorized if the actor's account is gone or deactivated, or `token_version` is no
    longer theirs (the token was revoked). Under READ COMMITTED the scans joined
    in come from the snapshot taken before any wait for the lock, while the locked row
    is re-read at its newest version: if a scan committed meanwhile, `scan_count` (every
    scan bumps it) differs from the scans read, and they are read again."""
    by_code = secret is not None or order_code is not None
    if order_code is not None:
        attendee_id = order_code.attendee_id
    if attendee_id is not None and not 0 <= attendee_id <= MAX_ATTENDEE_ID:
        rows = []  # the prepared statement's INTEGER parameter cannot even hold it
    else:
        statement = LOCK_BY_ORDER_CODE if order_code is not None else \
            LOCK_BY_SECRET if secret is not None else LOCK_BY_ID
        rows = statement(conn, {
            "actor_id": actor_id, "attendee_id": attendee_id, "secret": secret,
            "identifier": order_code.identifier if order_code else None,
            "token_version": token_version})
    row = rows[0] if rows else None
    if row is None or row["actor_is_admin"] is None:
        if row is None and conn.execute(USER_EXISTS, {"actor_id": actor_id,
                                                      "token_version": token_version}).first():
            raise not_found(by_code)
        raise refuse_stale_token(conn, actor_id)
    scans = [Scan(r["scan_id"], r["scan_kind"], r["scan_at"], r["scan_device_name"],
                  r["scan_nonce"]) for r in rows if r["scan_id"] is not None]
    if len(scans) != row["scan_count"]:
        scans = [Scan(**r) for r in SCANS_OF(conn, {"attendee_id": row["id"]})]
    return Locked(detached(Attendee, row), scans, row["next_scan_id"], row["owner_id"],
                   row["buyer_id"], row["order_status"], actor_id, row["actor_is_admin"],
                   bool(row["actor_is_staff"]), (row["starts_at"], row["ends_at"]))


def not_found(by_code: bool) -> NotFound:
    """What an attendee the actor may not see answers: the same as one that is not."""
    if by_code:
        return NotFound("No attendee has this code", code="unknown_code")
    return NotFound(ATTENDEE_NOT_FOUND)


def check_may_scan(locked: Locked, *, by_code: bool = False, rules: ListRules | None = None,
                   at: datetime | None = None, conn: Connection | None = None,
                   nonce: str | None = None) -> None:
    """The actor may scan this attendee (NotFound, Forbidden), and the list's rules let
    them in (Refused: 409 with the rule's code). An exit, and a scan without a list, is
    judged by the default list: an active ticket of a completed order. A nonce the
    attendee's scans hold is a resent scan: its answer stands, whatever changed since."""
    if not locked.actor_may_scan:
        if locked.buyer_id != locked.actor_id:  # may not even see it
            raise not_found(by_code)
        raise Forbidden("Only the event's owner or its staff can check attendees in")
    a = locked.attendee
    if rules is not None and rules.event_id not in (None, a.event_id):
        raise not_found(by_code)  # another event's list says nothing of this attendee
    if nonce and any(sc.nonce == nonce for sc in locked.scans):
        return
    holder = Holder(a.ticket_id, a.is_cancelled, locked.order_status, locked.inside,
                    a.is_checked_in or a.is_checked_out)
    code = refusal(rules, holder, at or utcnow())
    if code is not None:
        raise refused(conn, locked, code, rules)


def refused(conn: Connection | None, locked: Locked, code: str,
            rules: ListRules | None) -> Refused:
    a = locked.attendee
    ticket = conn.execute(select(TICKETS.c.name).where(TICKETS.c.id == a.ticket_id)) \
        .scalar_one() if conn is not None and code == WRONG_LIST else None
    window = (rules.valid_from, rules.valid_until) if rules else (None, None)
    detail = DETAILS[code].format(ticket=ticket, status=locked.order_status,
                                  valid_from=window[0], valid_until=window[1])
    return Refused(detail, code=code, attendee_name=f"{a.first_name} {a.last_name}",
                   ticket_name=ticket)


def set_columns(conn: Connection, attendee: Attendee, **values: Any) -> None:
    """UPDATE the attendee's columns that `values` changes, and the detached copy."""
    changed = {k: v for k, v in values.items() if getattr(attendee, k) != v}
    if changed:
        conn.execute(update(ATTENDEES).where(ATTENDEES.c.id == attendee.id), changed)
        for name, value in changed.items():
            setattr(attendee, name, value)


def add_scan(conn: Connection, locked: Locked, kind: str, *, at: datetime,
             device: str | None, nonce: str | None, pointer: str = "/data",
             checked_in_after_exit: bool | None = None) -> tuple[Scan, bool]:
    """Append one scan (to the DB and to `locked.scans`) and record its event; a nonce
    seen before returns that scan instead. An exit keeps `is_checked_in` as it was
    (scanner semantics: was in, now out) unless `checked_in_after_exit` says otherwise
    (Open Event's PATCH: `is-checked-in` false), in the same UPDATE."""
    attendee, scans = locked.attendee, locked.scans
    if nonce:
        earlier = next((sc for sc in scans if sc.nonce == nonce), None)
        if earlier is not None:
            if earlier.kind != kind:  # not a retry of this scan: a client bug
                raise Conflict(f"This nonce was used for an {earlier.kind} scan",
                               code="nonce_reused", pointer=pointer)
            return earlier, True
    was_inside = locked.inside
    if kind == "exit" and not was_inside:
        raise Invalid(NEEDS_CHECK_IN, code="not_checked_in", pointer=pointer)
    first = kind == "entry" and not any(sc.kind == "entry" for sc in scans)
    values = dict(attendee_id=attendee.id, kind=kind, at=at, device_name=device,
                  nonce=nonce or uuid.uuid4().hex, scanned_by_id=locked.actor_id,
                  created_at=utcnow())
    after_exit = attendee.is_checked_in if checked_in_after_exit is None \
        else checked_in_after_exit
    state = {"is_checked_in": True, "is_checked_out": False} if kind == "entry" else \
        {"is_checked_in": after_exit, "is_checked_out": True}
    taken, locked.next_scan_id = locked.next_scan_id, None
    scan_id = taken if taken is not None else conn.execute(ADD_SCAN, values).scalar_one()
    facts = dict(attendee_id=attendee.id, event_id=attendee.event_id,
                 ticket_id=attendee.ticket_id, scan_id=scan_id, device_name=device,
                 was_inside=was_inside)
    event = AttendeeCheckedIn(checked_in_at=at.isoformat(), first_check_in=first, **facts) \
        if kind == "entry" else AttendeeCheckedOut(checked_out_at=at.isoformat(), **facts)
    if taken is not None:
        # prefixed: an execution parameter named like a column of the UPDATE would be SET
        WRITE_SCAN(conn, {"attendee_id": attendee.id, **state, "scan_id": scan_id,
                          **{f"scan_{k}": v for k, v in values.items()},
                          **{f"outbox_{k}": v for k, v in outbox_row(event).items()}})
    else:
        conn.execute(SET_STATE, {"attendee_id": attendee.id, **state})
        record_on(conn, event)
    attendee.is_checked_in, attendee.is_checked_out = state["is_checked_in"], \
        state["is_checked_out"]
    attendee.scan_count += 1
    scan = Scan(scan_id, kind, at, device, values["nonce"])
    scans.append(scan)
    scans.sort(key=lambda sc: (sc.at, sc.id))
    return scan, False


def _scan_once(db: Database, actor_id: int, attendee_id: int | None, kind: str, *,
               device: str | None, nonce: str | None, secret: str | None = None,
               order_code: OrderCode | None = None,
               token_version: int | None = None, rules: ListRules | None = None) -> ScanResult:
    with db.engine.begin() as conn:  # Core only: the door needs no ORM session
        locked = lock_attendee(conn, actor_id, attendee_id=attendee_id, secret=secret,
                               order_code=order_code, token_version=token_version)
        now = utcnow()
        check_may_scan(locked, by_code=secret is not None or order_code is not None,
                       rules=rules if kind == "entry" else None, at=now, conn=conn,
                       nonce=nonce)
        scan, replayed = add_scan(conn, locked, kind, at=now, device=device, nonce=nonce)
    return ScanResult(locked.view(), scan, replayed)


def check_in_attendee(db: Database, actor_id: int, attendee_id: int, *,
                      device_name: str | None = None, nonce: str | None = None,
                      token_version: int | None = None,
                      rules: ListRules | None = None) -> ScanResult:
    """An entry scan stamped now by the owner or staff (the user `actor_id`, confirmed
    here); a nonce seen before for this attendee returns the first scan and records
    nothing. Records `attendee.checked_in`. `token_version`: the version the actor's token
    names (Unauthorized `token_revoked` unless it is still theirs); None when the caller
    confirmed the user itself. `rules`: the check-in list scanned on (None: the default
    list); Refused when they keep the attendee out."""
    return _scan_once(db, actor_id, attendee_id, "entry", device=device_name, nonce=nonce,
                      token_version=token_version, rules=rules)


def check_out_attendee(db: Database, actor_id: int, attendee_id: int, *,
                       device_name: str | None = None, nonce: str | None = None,
                       token_version: int | None = None) -> ScanResult:
    """An exit scan (Invalid `not_checked_in` unless inside). Records `attendee.checked_out`."""
    return _scan_once(db, actor_id, attendee_id, "exit", device=device_name, nonce=nonce,
                      token_version=token_version)


def check_in_by_code(db: Database, actor_id: int, code: str, *,
                     device_name: str | None = None, nonce: str | None = None,
                     token_version: int | None = None,
                     rules: ListRules | None = None) -> ScanResult:
    """`check_in_attendee` for the attendee whose QR code carries `code`: a check-in
    secret or `<order identifier>-<attendee id>` (models/ticketing/codes.py). NotFound
    `unknown_code` when it names nobody the actor may see; a plain
    `<order id>-<attendee id>` names nobody."""
    order_code = parse_order_code(code)
    if order_code is not None:
        try:
            return _scan_once(db, actor_id, None, "entry", device=device_name, nonce=nonce,
                              order_code=order_code, token_version=token_version,
                              rules=rules)
        except NotFound:
            pass  # a secret may look like an order code: try it as one
    return _scan_once(db, actor_id, None, "entry", device=device_name, nonce=nonce,
                      secret=code, token_version=token_version, rules=rules)
