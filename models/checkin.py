"""Check-in and check-out. Every scan is an append-only row (deduplicated by the client's
nonce per attendee); the attendee's CSV attributes are derived from the rows, so two
devices scanning one attendee at once both count. The attendee row is locked per scan so
its inside/outside state and the events recorded follow one order."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.attendee_views import AttendeeView
from models.base import utcnow
from models.catalog import can_manage, load_event
from models.contracts_ticketing import AttendeeCheckedIn, AttendeeCheckedOut
from models.db import Database
from models.errors import Conflict, Forbidden, Invalid, NotFound
from models.staff import can_check_in
from models.tables import Event, User
from models.ticketing_tables import Attendee, CheckInScan, Order
from models.uow import UnitOfWork

NEEDS_CHECK_IN = "Attendee needs to be checked in first"
DETAIL_FIELDS = {"first_name", "last_name", "email"}
SCAN_FIELDS = {"is_checked_in", "checkin_times", "device_name_checkin", "is_checked_out"}


@dataclass
class ScanResult:
    view: AttendeeView
    scan: CheckInScan
    replayed: bool


def _pointer(member: str) -> str:
    return f"/data/attributes/{member}"


def _lock(s: Session, actor: User, *, scanning: bool, attendee_id: int | None = None,
          secret: str | None = None) -> tuple[Attendee, list[CheckInScan]]:
    """The attendee (row locked: its scans are taken one at a time) and its scans so far.
    The scans are read by a second statement, after the lock is held: under READ
    COMMITTED a joined read would keep the snapshot from before the wait and miss the
    scans of the transaction it waited for."""
    stmt = select(Attendee, Event).join(Event, Event.id == Attendee.event_id) \
        .with_for_update(of=Attendee)
    row = s.execute(stmt.where(Attendee.checkin_secret == secret) if secret is not None
                    else stmt.where(Attendee.id == attendee_id)).one_or_none()
    if row is None:
        if secret is not None:
            raise NotFound("No attendee has this check-in secret", code="unknown_secret")
        raise NotFound(f"Attendee {attendee_id} not found")
    attendee, event = row
    if scanning and not can_check_in(s, actor, event):
        raise Forbidden("Only the event's owner or its staff can check attendees in")
    if scanning and attendee.is_cancelled:
        raise Conflict("The attendee's order was cancelled", code="attendee_cancelled")
    scans = list(s.scalars(select(CheckInScan).where(CheckInScan.attendee_id == attendee.id)
                           .order_by(CheckInScan.at, CheckInScan.id)))
    return attendee, scans


def _scan(uow: UnitOfWork, actor: User, attendee: Attendee, scans: list[CheckInScan],
          kind: str, *, at: datetime, device: str | None, nonce: str | None,
          pointer: str = "/data") -> tuple[CheckInScan, bool]:
    """Append one scan (to the DB and to `scans`) and record its event; a nonce seen
    before returns that scan instead."""
    s = uow.session
    if nonce:
        earlier = next((sc for sc in scans if sc.nonce == nonce), None)
        if earlier is not None:
            return earlier, True
    was_inside = attendee.is_checked_in and not attendee.is_checked_out
    if kind == "exit" and not was_inside:
        raise Invalid(NEEDS_CHECK_IN, code="not_checked_in", pointer=pointer)
    first = kind == "entry" and not any(sc.kind == "entry" for sc in scans)
    scan = CheckInScan(attendee_id=attendee.id, kind=kind, at=at, device_name=device,
                       nonce=nonce or uuid.uuid4().hex, scanned_by_id=actor.id)
    s.add(scan)
    if kind == "entry":
        attendee.is_checked_in, attendee.is_checked_out = True, False
    else:
        attendee.is_checked_out = True
    s.flush()
    scans.append(scan)
    scans.sort(key=lambda sc: (sc.at, sc.id))
    facts = dict(attendee_id=attendee.id, event_id=attendee.event_id,
                 ticket_id=attendee.ticket_id, scan_id=scan.id, device_name=device,
                 was_inside=was_inside)
    uow.record(AttendeeCheckedIn(checked_in_at=at.isoformat(), first_check_in=first, **facts)
               if kind == "entry" else AttendeeCheckedOut(checked_out_at=at.isoformat(), **facts))
    return scan, False


def _scan_once(db: Database, actor: User, attendee_id: int | None, kind: str, *,
               device: str | None, nonce: str | None, secret: str | None = None) -> ScanResult:
    with UnitOfWork(db) as uow:
        attendee, scans = _lock(uow.session, actor, scanning=True, attendee_id=attendee_id,
                                secret=secret)
        scan, replayed = _scan(uow, actor, attendee, scans, kind, at=utcnow(), device=device,
                               nonce=nonce)
        uow.commit()
        return ScanResult(AttendeeView(attendee, scans), scan, replayed)


def check_in_attendee(db: Database, actor: User, attendee_id: int, *,
                      device_name: str | None = None, nonce: str | None = None) -> ScanResult:
    """An entry scan stamped now by the owner or staff; a nonce seen before for this
    attendee returns the first scan and records nothing. Records `attendee.checked_in`."""
    return _scan_once(db, actor, attendee_id, "entry", device=device_name, nonce=nonce)


def check_out_attendee(db: Database, actor: User, attendee_id: int, *,
                       device_name: str | None = None, nonce: str | None = None) -> ScanResult:
    """An exit scan (Invalid `not_checked_in` unless inside). Records `attendee.checked_out`."""
    return _scan_once(db, actor, attendee_id, "exit", device=device_name, nonce=nonce)


def check_in_by_secret(db: Database, actor: User, secret: str, *,
                       device_name: str | None = None, nonce: str | None = None) -> ScanResult:
    """`check_in_attendee` for the attendee whose QR code carries `secret`."""
    return _scan_once(db, actor, None, "entry", device=device_name, nonce=nonce, secret=secret)


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")]


def _times(raw: str) -> list[datetime]:
    out = []
    for part in _csv(raw):
        try:
            at = datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid(f"checkin-times holds {part!r}, not an ISO-8601 time",
                          code="invalid_checkin_times", pointer=_pointer("checkin-times")) from exc
        out.append(at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC))
    return out


def check_device_rules(changes: dict[str, Any]) -> None:
    """Open Event's rules for `device-name-checkin`, in its order, with its messages."""
    if changes.get("device_name_checkin") is None:
        return
    pointer = _pointer("device-name-checkin")
    if not changes.get("is_checked_in"):
        raise Invalid(NEEDS_CHECK_IN, code="not_checked_in", pointer=pointer)
    if changes.get("checkin_times") is None:
        raise Invalid("Check in Times missing", code="checkin_times_missing", pointer=pointer)


def _new_entries(stored: list[datetime], changes: dict[str, Any]) -> list[tuple[datetime, str]]:
    """(time, device) pairs to append. The client may send only the new times or, as Open
    Event's app does, every time with only the new device names: the stored prefix is
    then dropped. Times without device names get `-`."""
    times = _times(changes["checkin_times"])
    devices = changes.get("device_name_checkin")
    if stored and len(times) > len(stored) and times[:len(stored)] == stored:
        times = times[len(stored):]
    names = _csv(devices) if devices is not None else ["-"] * len(times)
    if len(names) != len(times):
        raise Invalid("Check in Times missing for the corresponding device name",
                      code="checkin_times_mismatch", pointer=_pointer("device-name-checkin"))
    return list(zip(times, names, strict=True))


def _entry_nonce(at: datetime, device: str) -> str:
    return "csv:" + hashlib.sha256(f"{at.isoformat()}|{device}".encode()).hexdigest()[:40]


def update_attendee(db: Database, actor: User, attendee_id: int,
                    changes: dict[str, Any]) -> AttendeeView:
    """PATCH an attendee. Names/email: its buyer or the event's owner. Check-in members
    (owner or staff) follow Open Event: device names need `is-checked-in` and
    `checkin-times` of equal length; new times are appended as entry scans; `is-checked-in`
    alone scans in now; `is-checked-out` scans out at the server's time."""
    check_device_rules(changes)
    with UnitOfWork(db) as uow:
        s = uow.session
        attendee, scans = _lock(s, actor, attendee_id=attendee_id,
                                scanning=bool(SCAN_FIELDS & changes.keys()))
        buyer = s.scalar(select(Order.user_id).where(Order.id == attendee.order_id))
        event = load_event(s, attendee.event_id)
        if buyer != actor.id and not can_check_in(s, actor, event):
            # whatever the members sent (even none): the answer carries the QR secret
            raise Forbidden("Only the buyer, the event's owner or its staff can change an "
                            "attendee")
        if DETAIL_FIELDS & changes.keys():
            if buyer != actor.id and not can_manage(actor, event):
                raise Forbidden("Only the buyer or the event's owner can change an attendee")
            for name in DETAIL_FIELDS & changes.keys():
                setattr(attendee, name, changes[name])
        now = utcnow()
        if changes.get("checkin_times") is not None:
            entries = _new_entries(AttendeeView(attendee, scans).entry_times, changes)
            for at, device in entries:
                name = None if device == "-" else device
                _scan(uow, actor, attendee, scans, "entry", at=at, device=name,
                      nonce=_entry_nonce(at, device))
        elif changes.get("is_checked_in") is True and not _inside(attendee):
            _scan(uow, actor, attendee, scans, "entry", at=now, device=None, nonce=None)
        elif changes.get("is_checked_in") is False and _inside(attendee):
            _scan(uow, actor, attendee, scans, "exit", at=now, device=None, nonce=None)
            attendee.is_checked_in = False
        if changes.get("is_checked_out") is True and not attendee.is_checked_out:
            _scan(uow, actor, attendee, scans, "exit", at=now, device=None, nonce=None,
                  pointer=_pointer("is-checked-out"))
        s.flush()
        uow.commit()
        return AttendeeView(attendee, scans)


def _inside(attendee: Attendee) -> bool:
    return attendee.is_checked_in and not attendee.is_checked_out
