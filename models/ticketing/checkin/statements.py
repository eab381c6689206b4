"""The door's statements. The door is the hottest path: on PostgreSQL a scan is two
statements, PREPAREd (models/core/prepared.py): one locks the attendee and reads its scans, its
order's status, who the actor is to its event (no separate user lookup) and the new
scan's id; one writes the scan, the attendee's state and the outbox row."""

from __future__ import annotations

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

from models.accounts.tables import User
from models.accounts.tokens import token_current_sql
from models.catalog.tables import Event
from models.core.prepared import HotStatement
from models.core.uow import OUTBOX
from models.ticketing.attendees import SCAN_COLUMNS
from models.ticketing.tables import Attendee, CheckInScan, EventStaff, Order

ATTENDEES, SCANS, USERS = Attendee.__table__, CheckInScan.__table__, User.__table__
EVENTS, ORDERS, STAFF = Event.__table__, Order.__table__, EventStaff.__table__
_ACTOR = bindparam("actor_id")
# the token's version (None: the caller confirmed the user itself): a revoked token, or a
# deactivated user, makes the actor unknown, in the same statement (no round trip added)
_VERSION = bindparam("token_version", type_=Integer)
_ACTOR_VALID = token_current_sql(_ACTOR, _VERSION)
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
