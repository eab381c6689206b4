"""Check-in and check-out. Every scan is an append-only row (deduplicated by the client's
nonce per attendee); the attendee's CSV attributes are derived from the rows, so two
devices scanning one attendee at once both count. The attendee row is locked per scan so
its inside/outside state and the events recorded follow one order."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.engine import Connection

from contracts.ticketing import AttendeeCheckedIn, AttendeeCheckedOut
from models.accounts.tables import User
from models.accounts.tokens import REVOKED
from models.catalog.tables import Event
from models.core.base import detached, utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from models.core.hot import HotStatement
from models.core.uow import OUTBOX, outbox_row, record_on
from models.ticketing.attendees import ATTENDEE_NOT_FOUND, SCAN_COLUMNS, AttendeeView, Scan
from models.ticketing.codes import MAX_ATTENDEE_ID, OrderCode, parse_order_code
from models.ticketing.tables import Attendee, CheckInScan, EventStaff, Order

NEEDS_CHECK_IN = "Attendee needs to be checked in first"
MAX_TIMES = 50  # times one PATCH may carry: the app sends an attendee's whole list
TIME_SLACK = timedelta(days=1)  # a check-in time is within the event's days, give or take
DETAIL_FIELDS = {"first_name", "last_name", "email"}
SCAN_FIELDS = {"is_checked_in", "checkin_times", "device_name_checkin", "is_checked_out"}

# The door is the hottest path. On PostgreSQL a scan is two statements: one locks the
# attendee and reads its scans, its order's status, who the actor is to its event (no
# separate user lookup) and the new scan's id; one writes the scan, the attendee's state
# and the outbox row.
ATTENDEES, SCANS, USERS = Attendee.__table__, CheckInScan.__table__, User.__table__
EVENTS, ORDERS, STAFF = Event.__table__, Order.__table__, EventStaff.__table__
_ACTOR = bindparam("actor_id")
# the token's version (None: the caller confirmed the user itself): a revoked token, or a
# deactivated user, makes the actor unknown, in the same statement (no round trip added)
_VERSION = bindparam("token_version", type_=Integer)
_ACTOR_VALID = and_(USERS.c.id == _ACTOR, USERS.c.is_active,
                    USERS.c.token_version == func.coalesce(_VERSION, USERS.c.token_version))
_SCAN_LABELS = tuple(c.label(f"scan_{c.name}") for c in SCAN_COLUMNS)  # scan_id, ...


def _lock_statement(next_scan_id: ColumnElement) -> Select:
    return select(
        ATTENDEES, EVENTS.c.owner_id, EVENTS.c.starts_at, EVENTS.c.ends_at,
        ORDERS.c.user_id.label("buyer_id"),
        ORDERS.c.status.label("order_status"),
        select(USERS.c.is_admin).where(_ACTOR_VALID).scalar_subquery()
        .label("actor_is_admin"),
        exists().where(STAFF.c.event_id == ATTENDEES.c.event_id, STAFF.c.user_id == _ACTOR)
        .label("actor_is_staff"),
        next_scan_id.label("next_scan_id"), *_SCAN_LABELS,
    ).join(EVENTS, EVENTS.c.id == ATTENDEES.c.event_id) \
        .join(ORDERS, ORDERS.c.id == ATTENDEES.c.order_id) \
        .outerjoin(SCANS, SCANS.c.attendee_id == ATTENDEES.c.id) \
        .order_by(SCANS.c.at, SCANS.c.id).with_for_update(of=ATTENDEES)


# an uncorrelated scalar subquery runs once per statement, not once per scan row
_LOCK = _lock_statement(select(func.nextval(func.pg_get_serial_sequence(
    SCANS.name, SCANS.c.id.name))).scalar_subquery())
_LOCK_ELSEWHERE = _lock_statement(null())  # SQLite: no sequences, the INSERT gives the id
_BY_ID = ATTENDEES.c.id == bindparam("attendee_id")
_BY_SECRET = ATTENDEES.c.checkin_secret == bindparam("secret")
_BY_ORDER_CODE = and_(_BY_ID, ORDERS.c.identifier == bindparam("identifier"))
LOCK_BY_ID = HotStatement("door_lock_by_id", _LOCK.where(_BY_ID),
                          _LOCK_ELSEWHERE.where(_BY_ID))
LOCK_BY_SECRET = HotStatement("door_lock_by_secret", _LOCK.where(_BY_SECRET),
                              _LOCK_ELSEWHERE.where(_BY_SECRET))
LOCK_BY_ORDER_CODE = HotStatement("door_lock_by_order_code", _LOCK.where(_BY_ORDER_CODE),
                                  _LOCK_ELSEWHERE.where(_BY_ORDER_CODE))
SCANS_OF = HotStatement("door_scans_of", select(*SCAN_COLUMNS).where(
    SCANS.c.attendee_id == bindparam("attendee_id")).order_by(SCANS.c.at, SCANS.c.id))
USER_EXISTS = select(USERS.c.id).where(_ACTOR_VALID)
ACCOUNT_EXISTS = select(USERS.c.id).where(USERS.c.id == _ACTOR)
SCAN_VALUES = ("attendee_id", "kind", "at", "device_name", "nonce", "scanned_by_id",
               "created_at")
ADD_SCAN = insert(SCANS).returning(SCANS.c.id)
SET_STATE = update(ATTENDEES).where(ATTENDEES.c.id == bindparam("attendee_id")).values(
    is_checked_in=bindparam("is_checked_in"), is_checked_out=bindparam("is_checked_out"),
    scan_count=ATTENDEES.c.scan_count + 1)


def _param(column: Column, prefix: str = "") -> BindParameter:
    return bindparam(prefix + column.name, type_=column.type)


# PostgreSQL: the scan (its id taken with the lock), the state and the outbox row at once
WRITE_SCAN = HotStatement("door_write_scan", insert(OUTBOX).values(
    {c: _param(c, "outbox_") for c in OUTBOX.c if c.name not in ("id", "published_at")})
    .add_cte(insert(SCANS).values({SCANS.c[n]: _param(SCANS.c[n], "scan_")
                                   for n in ("id", *SCAN_VALUES)}).cte("new_scan"))
    .add_cte(SET_STATE.cte("attendee_state")))


@dataclass
class ScanResult:
    view: AttendeeView
    scan: Scan
    replayed: bool


@dataclass
class _Locked:
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
        return self.actor_is_admin or self.owner_id == self.actor_id

    @property
    def actor_may_scan(self) -> bool:
        return self.actor_manages or self.actor_is_staff

    @property
    def inside(self) -> bool:
        return self.attendee.is_checked_in and not self.attendee.is_checked_out

    def view(self) -> AttendeeView:
        return AttendeeView(self.attendee, self.scans)


def _pointer(member: str) -> str:
    return f"/data/attributes/{member}"


def _lock(conn: Connection, actor_id: int, *, attendee_id: int | None = None,
          secret: str | None = None, order_code: OrderCode | None = None,
          token_version: int | None = None) -> _Locked:
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
            raise _not_found(by_code)
        # deleted, or deactivated or signed out, since the token was issued (the refusal
        # alone pays for telling which)
        if conn.execute(ACCOUNT_EXISTS, {"actor_id": actor_id}).first():
            raise Unauthorized(REVOKED, code="token_revoked")
        raise Unauthorized("Invalid token", code="bad_token")
    scans = [Scan(r["scan_id"], r["scan_kind"], r["scan_at"], r["scan_device_name"],
                  r["scan_nonce"]) for r in rows if r["scan_id"] is not None]
    if len(scans) != row["scan_count"]:
        scans = [Scan(**r) for r in SCANS_OF(conn, {"attendee_id": row["id"]})]
    return _Locked(detached(Attendee, row), scans, row["next_scan_id"], row["owner_id"],
                   row["buyer_id"], row["order_status"], actor_id, row["actor_is_admin"],
                   bool(row["actor_is_staff"]), (row["starts_at"], row["ends_at"]))


def _not_found(by_code: bool) -> NotFound:
    """What an attendee the actor may not see answers: the same as one that is not."""
    if by_code:
        return NotFound("No attendee has this code", code="unknown_code")
    return NotFound(ATTENDEE_NOT_FOUND)


def _may_scan(locked: _Locked, *, by_code: bool = False) -> None:
    if not locked.actor_may_scan:
        if locked.buyer_id != locked.actor_id:  # may not even see it
            raise _not_found(by_code)
        raise Forbidden("Only the event's owner or its staff can check attendees in")
    if locked.attendee.is_cancelled:
        raise Conflict("The attendee's order was cancelled", code="attendee_cancelled")
    if locked.order_status != "completed":  # pending or placed: not paid yet
        raise Conflict(f"The attendee's order is {locked.order_status}, not completed",
                       code="order_not_completed")


def _set(conn: Connection, attendee: Attendee, **values: Any) -> None:
    """UPDATE the attendee's columns that `values` changes, and the detached copy."""
    changed = {k: v for k, v in values.items() if getattr(attendee, k) != v}
    if changed:
        conn.execute(update(ATTENDEES).where(ATTENDEES.c.id == attendee.id), changed)
        for name, value in changed.items():
            setattr(attendee, name, value)


def _scan(conn: Connection, locked: _Locked, kind: str, *, at: datetime,
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
               token_version: int | None = None) -> ScanResult:
    with db.engine.begin() as conn:  # Core only: the door needs no ORM session
        locked = _lock(conn, actor_id, attendee_id=attendee_id, secret=secret,
                       order_code=order_code, token_version=token_version)
        _may_scan(locked, by_code=secret is not None or order_code is not None)
        scan, replayed = _scan(conn, locked, kind, at=utcnow(), device=device, nonce=nonce)
    return ScanResult(locked.view(), scan, replayed)


def check_in_attendee(db: Database, actor_id: int, attendee_id: int, *,
                      device_name: str | None = None, nonce: str | None = None,
                      token_version: int | None = None) -> ScanResult:
    """An entry scan stamped now by the owner or staff (the user `actor_id`, confirmed
    here); a nonce seen before for this attendee returns the first scan and records
    nothing. Records `attendee.checked_in`. `token_version`: the version the actor's token
    names (Unauthorized `token_revoked` unless it is still theirs); None when the caller
    confirmed the user itself."""
    return _scan_once(db, actor_id, attendee_id, "entry", device=device_name, nonce=nonce,
                      token_version=token_version)


def check_out_attendee(db: Database, actor_id: int, attendee_id: int, *,
                       device_name: str | None = None, nonce: str | None = None,
                       token_version: int | None = None) -> ScanResult:
    """An exit scan (Invalid `not_checked_in` unless inside). Records `attendee.checked_out`."""
    return _scan_once(db, actor_id, attendee_id, "exit", device=device_name, nonce=nonce,
                      token_version=token_version)


def check_in_by_code(db: Database, actor_id: int, code: str, *,
                     device_name: str | None = None, nonce: str | None = None,
                     token_version: int | None = None) -> ScanResult:
    """`check_in_attendee` for the attendee whose QR code carries `code`: a check-in
    secret or `<order identifier>-<attendee id>` (models/ticketing/codes.py). NotFound
    `unknown_code` when it names nobody the actor may see; a plain
    `<order id>-<attendee id>` names nobody."""
    order_code = parse_order_code(code)
    if order_code is not None:
        try:
            return _scan_once(db, actor_id, None, "entry", device=device_name, nonce=nonce,
                              order_code=order_code, token_version=token_version)
        except NotFound:
            pass  # a secret may look like an order code: try it as one
    return _scan_once(db, actor_id, None, "entry", device=device_name, nonce=nonce,
                      secret=code, token_version=token_version)


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")]


def _times(raw: str, window: tuple[datetime, datetime] | None = None) -> list[datetime]:
    """The times of a `checkin-times` list (Invalid past MAX_TIMES, on one that is not an
    ISO-8601 time, or on one outside `window` give or take TIME_SLACK)."""
    parts = _csv(raw)
    if len(parts) > MAX_TIMES:
        raise Invalid(f"checkin-times holds {len(parts)} times, at most {MAX_TIMES} per "
                      "change", code="too_many_times", pointer=_pointer("checkin-times"))
    out = []
    for part in parts:
        try:
            at = datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid(f"checkin-times holds {part!r}, not an ISO-8601 time",
                          code="invalid_checkin_times", pointer=_pointer("checkin-times")) from exc
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        if window is not None and not window[0] - TIME_SLACK <= at <= window[1] + TIME_SLACK:
            raise Invalid(f"checkin-times holds {part!r}, outside the event's days",
                          code="time_outside_event", pointer=_pointer("checkin-times"))
        out.append(at)
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


def _exit_nonce(at: datetime) -> str:
    return "csv-out:" + hashlib.sha256(at.isoformat().encode()).hexdigest()[:40]


def _changed_details(attendee: Attendee, changes: dict[str, Any]) -> dict[str, Any]:
    """The name/email members whose value differs from the stored one. Open Event's app
    sends every attribute it holds with each check-in: door staff echoing a name they
    may not change is not a change."""
    return {k: changes[k] for k in DETAIL_FIELDS & changes.keys()
            if changes[k] != getattr(attendee, k)}


def _check_out_at(conn: Connection, locked: _Locked, changes: dict[str, Any]) -> None:
    """Open Event's check-out: `is-checked-in` false with `checkin-times` holding the
    time (its last one when several). Recorded as an exit scan at that time, the entries
    kept (Open Event overwrites them); the same time sent again counts once; someone not
    inside stays as they are (the app retries a refused PATCH forever)."""
    at = _times(changes["checkin_times"])[-1]
    nonce = _exit_nonce(at)
    if locked.inside or any(sc.nonce == nonce for sc in locked.scans):
        _scan(conn, locked, "exit", at=at, device=None, nonce=nonce,
              pointer=_pointer("checkin-times"), checked_in_after_exit=False)


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
        locked = _lock(conn, actor_id, attendee_id=attendee_id, token_version=token_version)
        if SCAN_FIELDS & changes.keys():
            _may_scan(locked)
        is_buyer = locked.buyer_id == actor_id
        if not is_buyer and not locked.actor_may_scan:
            # whatever the members sent (even none): the answer carries the QR secret
            raise _not_found(False)
        if changes.get("checkin_times") is not None:
            _times(changes["checkin_times"], locked.window)  # every time, before any change
        details = _changed_details(locked.attendee, changes)
        if details:
            if not is_buyer and not locked.actor_manages:
                raise Forbidden("Only the buyer or the event's owner can change an attendee")
            _set(conn, locked.attendee, **details)
        now = utcnow()
        if changes.get("checkin_times") is not None and changes.get("is_checked_in") is False:
            _check_out_at(conn, locked, changes)
        elif changes.get("checkin_times") is not None:
            entries = _new_entries(locked.view().entry_times, changes)
            for at, device in entries:
                name = None if device == "-" else device
                _scan(conn, locked, "entry", at=at, device=name, nonce=_entry_nonce(at, device))
        elif changes.get("is_checked_in") is True and not locked.inside:
            _scan(conn, locked, "entry", at=now, device=None, nonce=None)
        elif changes.get("is_checked_in") is False and locked.inside:
            _scan(conn, locked, "exit", at=now, device=None, nonce=None,
                  checked_in_after_exit=False)
        if changes.get("is_checked_out") is True and not locked.attendee.is_checked_out:
            _scan(conn, locked, "exit", at=now, device=None, nonce=None,
                  pointer=_pointer("is-checked-out"))
    return locked.view()
