"""Open Event's PATCH of an attendee: its check-in members (`is-checked-in`,
`checkin-times`, `device-name-checkin`, `is-checked-out`) become scans, with Open
Event's rules and messages; its name and email are changed by its buyer or the event's
owner."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Forbidden, Invalid
from models.ticketing.attendees import AttendeeView
from models.ticketing.checkin.scan import (
    NEEDS_CHECK_IN,
    Locked,
    add_scan,
    check_may_scan,
    lock_attendee,
    not_found,
    pointer_to,
    set_columns,
)
from models.ticketing.tables import Attendee

MAX_TIMES = 50  # times one PATCH may carry: the app sends an attendee's whole list
TIME_SLACK = timedelta(days=1)  # a check-in time is within the event's days, give or take
DETAIL_FIELDS = {"first_name", "last_name", "email"}
SCAN_FIELDS = {"is_checked_in", "checkin_times", "device_name_checkin", "is_checked_out"}


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")]


def _times(raw: str, window: tuple[datetime, datetime] | None = None) -> list[datetime]:
    """The times of a `checkin-times` list (Invalid past MAX_TIMES, on one that is not an
    ISO-8601 time, or on one outside `window` give or take TIME_SLACK)."""
    parts = _csv(raw)
    if len(parts) > MAX_TIMES:
        raise Invalid(f"checkin-times holds {len(parts)} times, at most {MAX_TIMES} per "
                      "change", code="too_many_times", pointer=pointer_to("checkin-times"))
    out = []
    for part in parts:
        try:
            at = datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid(f"checkin-times holds {part!r}, not an ISO-8601 time",
                          code="invalid_checkin_times",
                          pointer=pointer_to("checkin-times")) from exc
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        if window is not None and not window[0] - TIME_SLACK <= at <= window[1] + TIME_SLACK:
            raise Invalid(f"checkin-times holds {part!r}, outside the event's days",
                          code="time_outside_event", pointer=pointer_to("checkin-times"))
        out.append(at)
    return out


def check_device_rules(changes: dict[str, Any]) -> None:
    """Open Event's rules for `device-name-checkin`, in its order, with its messages."""
    if changes.get("device_name_checkin") is None:
        return
    pointer = pointer_to("device-name-checkin")
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
                      code="checkin_times_mismatch", pointer=pointer_to("device-name-checkin"))
    return list(zip(times, names, strict=True))


def _entry_nonce(at: datetime, device: str) -> str:
    return "csv:" + hashlib.sha256(f"{at.isoformat()}|{device}".encode()).hexdigest()[:40]


def _exit_nonce(at: datetime) -> str:
    return "csv-out:" + hashlib.sha256(at.isoformat().encode()).hexdigest()[:40]


def _changed_details(attendee: Attendee, changes: dict[str, Any]) -> dict[str, Any]:
    """The name/email members whose value differs from the stored one. Open Event's app
    sends every attribute it holds with each check-in: door staff echoing a name they
    may not change is not a change."""
    return {k: changes[k] for k in DETAIL_FIELDS & changes.keys()
            if changes[k] != getattr(attendee, k)}


def _check_out_at(conn: Connection, locked: Locked, changes: dict[str, Any]) -> None:
    """Open Event's check-out: `is-checked-in` false with `checkin-times` holding the
    time (its last one when several). Recorded as an exit scan at that time, the entries
    kept (Open Event overwrites them); the same time sent again counts once; someone not
    inside stays as they are (the app retries a refused PATCH forever)."""
    at = _times(changes["checkin_times"])[-1]
    nonce = _exit_nonce(at)
    if locked.inside or any(sc.nonce == nonce for sc in locked.scans):
        add_scan(conn, locked, "exit", at=at, device=None, nonce=nonce,
                 pointer=pointer_to("checkin-times"), checked_in_after_exit=False)


def update_attendee(db: Database, actor_id: int, attendee_id: int,
                    changes: dict[str, Any], *, token_version: int | None = None
                    ) -> AttendeeView:
    """PATCH an attendee. Names/email: its buyer or the event's owner (a value equal to
    the stored one is no change). Check-in members (owner or staff) follow Open Event:
    device names need `is-checked-in` and `checkin-times` of equal length; new times are
    appended as entry scans, a time seen before counts once; `is-checked-in` false with
    `checkin-times` checks out at that time (`_check_out_at`); `is-checked-in` alone scans
    in or out now; `is-checked-out` scans out at the server's time. One entry or exit is
    the door's four round trips: no statement is added for what does not change."""
    check_device_rules(changes)
    with db.engine.begin() as conn:
        locked = lock_attendee(conn, actor_id, attendee_id=attendee_id, token_version=token_version)
        if SCAN_FIELDS & changes.keys():
            check_may_scan(locked)
        is_buyer = locked.buyer_id == actor_id
        if not is_buyer and not locked.actor_may_scan:
            # whatever the members sent (even none): the answer carries the QR secret
            raise not_found(False)
        if changes.get("checkin_times") is not None:
            _times(changes["checkin_times"], locked.window)  # every time, before any change
        details = _changed_details(locked.attendee, changes)
        if details:
            if not is_buyer and not locked.actor_manages:
                raise Forbidden("Only the buyer or the event's owner can change an attendee")
            set_columns(conn, locked.attendee, **details)
        now = utcnow()
        if changes.get("checkin_times") is not None and changes.get("is_checked_in") is False:
            _check_out_at(conn, locked, changes)
        elif changes.get("checkin_times") is not None:
            entries = _new_entries(locked.view().entry_times, changes)
            for at, device in entries:
                name = None if device == "-" else device
                add_scan(conn, locked, "entry", at=at, device=name, nonce=_entry_nonce(at, device))
        elif changes.get("is_checked_in") is True and not locked.inside:
            add_scan(conn, locked, "entry", at=now, device=None, nonce=None)
        elif changes.get("is_checked_in") is False and locked.inside:
            add_scan(conn, locked, "exit", at=now, device=None, nonce=None,
                     checked_in_after_exit=False)
        if changes.get("is_checked_out") is True and not locked.attendee.is_checked_out:
            add_scan(conn, locked, "exit", at=now, device=None, nonce=None,
                     pointer=pointer_to("is-checked-out"))
    return locked.view()
