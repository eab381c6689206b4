"""The two statements of an order on PostgreSQL, PREPAREd (models/core/prepared.py).

`READ` answers, unlocked, all that the checks need: who the actor is (NULL: the account
is gone), the event, the tickets ordered, the idempotency key's row, and the ids the order
and its attendees will have (taken from their sequences, so the outbox row that names them
is built before the write). `WRITE_AT_ONCE` then takes the units of one ticket line and
writes everything in one statement: a conditional UPDATE of `sold_count` (never past
`quantity`) whose RETURNING gates every INSERT, so a sold-out ticket writes nothing; the
discount code's uses likewise. Its units follow `sold_count` (dense while no order gave
units back); when they do not, the unique (ticket_id, unit) index refuses the write and
the order is placed again in steps (models/ticketing/orders/write.py)."""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from models.accounts.tables import User
from models.accounts.tokens import refuse_stale_token, token_current_sql
from models.catalog.events import manages
from models.catalog.tables import Event, Ticket
from models.core.errors import NotFound
from models.core.outbox import OutboxMessage
from models.core.prepared import HotStatement
from models.ticketing.discounts import uses_left_for
from models.ticketing.orders.holds import HOLDS, add_to_hold
from models.ticketing.orders.idempotency import Idempotency, StoredKey
from models.ticketing.orders.inventory import following_unit, room_for
from models.ticketing.orders.throttle import COUNTED, NOT_COUNTED, UNFLUSHED, Attempt
from models.ticketing.tables import Attendee, DiscountCode, IdempotencyKey, Order, OrderLine

USERS, EVENTS, TICKETS = User.__table__, Event.__table__, Ticket.__table__
ORDERS, LINES, ATTENDEES = Order.__table__, OrderLine.__table__, Attendee.__table__
KEYS, CODES, OUTBOX = IdempotencyKey.__table__, DiscountCode.__table__, OutboxMessage.__table__
# what the checks and the pricing read of a ticket (not its name, description or counts:
# a description is any length of text, parsed for nothing)
TICKET_FIELDS = ("id", "event_id", "price", "min_order", "max_order", "sales_starts_at",
                 "sales_ends_at", "is_hidden")
# a ticket as READ found it: those columns as attributes, read-only; not an ORM instance,
# whose construction cost more than the rest of the checks together
TicketRow = make_dataclass("TicketRow", TICKET_FIELDS, frozen=True, slots=True)
ORDER_FIELDS = ("id", "identifier", "event_id", "user_id", "status", "payment_mode",
                "amount", "discount_amount", "discount_uses", "discount_code_id", "currency",
                "created_at", "expires_at", "completed_at")
OUTBOX_FIELDS = ("message_id", "routing_key", "type", "aggregate", "payload", "attempts",
                 "created_at")
PEOPLE = ("attendee_ids", "first_names", "last_names", "emails", "secrets")


def _p(col: Column, name: str | None = None) -> ColumnElement:
    """A typed parameter for `col`: PREPARE cannot guess the type of a bare `$n` in a
    SELECT list or a function call."""
    return cast(bindparam(name or col.name, type_=col.type), col.type)


def _nextval(table) -> ColumnElement:
    return func.nextval(func.pg_get_serial_sequence(literal_column(f"'{table.name}'"),
                                                    literal_column("'id'")))


def _read(tickets_match: ColumnElement, order_id: ColumnElement,
          attendee_ids: ColumnElement, counted: list[ColumnElement]):
    one = select(literal_column("1").label("one")).subquery("one")
    actor = bindparam("actor_id", type_=Integer)
    version = cast(bindparam("token_version", type_=Integer), Integer)
    return select(
        # the token's account, still active and not signed out since (NULL version: the
        # caller confirmed the user itself)
        select(USERS.c.is_admin).where(token_current_sql(actor, version))
        .scalar_subquery().label("actor_is_admin"),
        EVENTS.c.id.label("event_id"), EVENTS.c.owner_id, EVENTS.c.order_expiry_time,
        EVENTS.c.currency,
        *(TICKETS.c[n].label(f"ticket_{n}") for n in TICKET_FIELDS),
        KEYS.c.id.label("key_id"), KEYS.c.fingerprint.label("key_fingerprint"),
        KEYS.c.order_id.label("key_order_id"), KEYS.c.created_at.label("key_created_at"),
        order_id.label("new_order_id"), attendee_ids.label("new_attendee_ids"),
        *(c.label(f"throttle_{n}") for c, n in zip(counted, THROTTLE_COLUMNS, strict=True)),
    ).select_from(
        one.outerjoin(EVENTS, EVENTS.c.id == bindparam("event_id", type_=Integer))
        .outerjoin(TICKETS, tickets_match)
        .outerjoin(KEYS, and_(KEYS.c.user_id == actor,
                              KEYS.c.key == bindparam("idem_key", type_=String)))
    ).order_by(TICKETS.c.id)


# uncorrelated scalar subqueries: each runs once per statement, whatever the rows
_UNITS = cast(bindparam("units", type_=Integer), Integer)
# the order's attempt counted by the throttle (models/ticketing/orders/throttle.py): the
# counts it left, as arrays (NULL when nothing was counted)
THROTTLE_COLUMNS = ("keys", "failures", "starts", "unflushed")
READ = HotStatement(
    "order_read",
    _read(TICKETS.c.id == any_(cast(bindparam("ticket_ids"), ARRAY(Integer))),
          select(_nextval(ORDERS)).scalar_subquery(),
          select(func.array_agg(_nextval(ATTENDEES)))
          .select_from(func.generate_series(literal_column("1"), _UNITS)).scalar_subquery(),
          # each array in key order, so they pair up by position
          [*(select(func.array_agg(aggregate_order_by(c, COUNTED.c.key))).scalar_subquery()
             for c in COUNTED.c), UNFLUSHED]),
    _read(TICKETS.c.id.in_(bindparam("ticket_ids", expanding=True)), null(), null(),
          [null()] * len(THROTTLE_COLUMNS)))


@dataclass(frozen=True)
class OrderFacts:
    """What `READ` found, the actor confirmed and the event found."""

    actor_id: int
    actor_is_admin: bool
    event_id: int
    owner_id: int
    order_expiry_time: int
    currency: str
    tickets: dict[int, TicketRow]  # the tickets ordered that exist (not yet checked)
    key: StoredKey | None  # the idempotency key's row, if the key was used before
    new_order_id: int | None  # PostgreSQL: the ids WRITE_AT_ONCE will use
    new_attendee_ids: list[int] | None

    @property
    def actor_manages(self) -> bool:
        return manages(self.actor_id, self.actor_is_admin, self.owner_id)


def read_order_facts(conn: Connection, actor_id: int, event_id: int, ticket_ids: list[int],
                     idem: Idempotency | None, units: int,
                     token_version: int | None = None,
                     attempt: Attempt | None = None) -> OrderFacts:
    """One statement; `units` ids are taken for the attendees (0 when the order will be
    written in steps), and the `attempt` counted by the throttle (PostgreSQL only: the
    statement then commits the count, so `conn` must be in autocommit). Raises Throttled
    (429) past the throttle's limits, Unauthorized when the actor's account is gone
    (deleted since its token was issued) or the token revoked (deactivated, signed out,
    password changed: `token_version` is not the account's), NotFound when the event is."""
    if attempt is not None and not conn.connection.dbapi_connection.autocommit:
        raise RuntimeError("an order's attempt is counted by READ only in autocommit: "
                           "READ's commit is its own (throttle.UNFLUSHED)")
    rows = READ(conn, {"actor_id": actor_id, "event_id": event_id, "ticket_ids": ticket_ids,
                       "idem_key": idem.key if idem else None, "units": units,
                       "token_version": token_version,
                       **(attempt.params() if attempt else NOT_COUNTED)})
    row = rows[0]
    if attempt is not None:
        attempt.refuse_past_limits(row["throttle_keys"], row["throttle_failures"],
                                   row["throttle_starts"])
    if row["actor_is_admin"] is None:
        raise refuse_stale_token(conn, actor_id)
    if row["event_id"] is None:
        raise NotFound(f"Event {event_id} not found")
    tickets = {r["ticket_id"]: _ticket(r) for r in rows if r["ticket_id"] is not None}
    key = None if row["key_id"] is None else StoredKey(
        row["key_id"], row["key_fingerprint"], row["key_order_id"], row["key_created_at"])
    return OrderFacts(actor_id, row["actor_is_admin"], event_id, row["owner_id"],
                      row["order_expiry_time"], row["currency"], tickets, key,
                      row["new_order_id"], row["new_attendee_ids"])


def _ticket(row: dict[str, Any]) -> TicketRow:
    return TicketRow(*(row[f"ticket_{n}"] for n in TICKET_FIELDS))


def _write_at_once():
    n = _p(LINES.c.quantity)
    reserved = update(TICKETS).where(
        TICKETS.c.id == _p(LINES.c.ticket_id), room_for(n),
    ).values(sold_count=TICKETS.c.sold_count + n).returning(TICKETS.c.sold_count) \
        .cte("reserved")
    uses_n, code_id = _p(ORDERS.c.discount_uses), _p(ORDERS.c.discount_code_id)
    used = update(CODES).where(
        CODES.c.id == code_id, uses_left_for(uses_n),
    ).values(used_count=CODES.c.used_count + uses_n).returning(CODES.c.id).cte("used")
    order = insert(ORDERS).from_select(
        list(ORDER_FIELDS), select(*(_p(ORDERS.c[f], f"order_{f}") for f in ORDER_FIELDS))
        .select_from(reserved).where(or_(code_id.is_(None), exists(select(used.c.id))))
    , include_defaults=False).returning(ORDERS.c.id).cte("new_order")
    line = insert(LINES).from_select(
        ["order_id", "ticket_id", "quantity", "unit_price", "discount"],
        select(order.c.id, _p(LINES.c.ticket_id), n, _p(LINES.c.unit_price),
               _p(LINES.c.discount)), include_defaults=False).cte("new_line")
    people = func.unnest(*(cast(bindparam(name), ARRAY(t)) for name, t in zip(
        PEOPLE, (Integer, String, String, String, String), strict=True))) \
        .table_valued("id", "first_name", "last_name", "email", "secret",
                      with_ordinality="ord").render_derived("person", with_types=False)
    attendees = insert(ATTENDEES).from_select(
        ["id", "order_id", "event_id", "ticket_id", "unit", "first_name", "last_name",
         "email", "checkin_secret", "created_at"],
        select(people.c.id, order.c.id, _p(ORDERS.c.event_id, "order_event_id"),
               _p(LINES.c.ticket_id), following_unit(reserved.c.sold_count - n, people.c.ord),
               people.c.first_name, people.c.last_name, people.c.email, people.c.secret,
               _p(ORDERS.c.created_at, "order_created_at"))
        .select_from(order).join(reserved, true()).join(people, true()),
        include_defaults=False).returning(ATTENDEES.c.id, ATTENDEES.c.unit) \
        .cte("new_attendees")
    # a pending order adds its units to the buyer's hold; past the cap, the hold's CHECK
    # fails the whole statement (models/ticketing/orders/holds.py)
    held = add_to_hold(pg_insert(HOLDS).from_select(
        ["user_id", "event_id", "units", "cap"],
        select(_p(ORDERS.c.user_id, "order_user_id"), _p(ORDERS.c.event_id, "order_event_id"),
               n, cast(bindparam("hold_cap", type_=Integer), Integer)).select_from(reserved)
        .where(_p(ORDERS.c.status, "order_status") == "pending"))).cte("held")
    key = _p(KEYS.c.key, "idem_key")
    remembered = insert(KEYS).from_select(
        ["user_id", "key", "fingerprint", "order_id", "created_at"],
        select(_p(ORDERS.c.user_id, "order_user_id"), key, _p(KEYS.c.fingerprint),
               order.c.id, _p(ORDERS.c.created_at, "order_created_at"))
        .where(key.is_not(None)), include_defaults=False).cte("new_key")
    outbox = insert(OUTBOX).from_select(
        list(OUTBOX_FIELDS),
        select(*(_p(OUTBOX.c[f], f"outbox_{f}") for f in OUTBOX_FIELDS)).select_from(order),
        include_defaults=False).cte("new_outbox")
    return select(
        select(reserved.c.sold_count).scalar_subquery().label("sold_count"),
        exists(select(order.c.id)).label("placed"),
        # the units the write gave, in attendee id order (what the caller reports)
        select(func.array_agg(aggregate_order_by(attendees.c.unit, attendees.c.id)))
        .scalar_subquery().label("units"),
    ).add_cte(line, held, remembered, outbox)


WRITE_AT_ONCE = HotStatement("order_write", _write_at_once())
