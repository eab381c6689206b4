"""Writing an order that the checks accepted: in one statement (PostgreSQL, one ticket
line: `WRITE_AT_ONCE`), or in steps (SQLite; several tickets, whose row locks must be
taken in id order; after units given back made the at-once units collide).

Either way the order's rows, the units taken, the discount uses, the idempotency key and
the `order.placed` outbox row are written in the caller's transaction, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert

from models.core.uow import outbox_row, record_on
from models.ticketing.discounts import Discount, exhausted, take_uses
from models.ticketing.orders.events import placed_event
from models.ticketing.orders.holds import take_hold
from models.ticketing.orders.idempotency import Idempotency
from models.ticketing.orders.inventory import reserve_units, sold_out
from models.ticketing.orders.read import PlacedOrder
from models.ticketing.orders.statements import (
    ATTENDEES,
    KEYS,
    LINES,
    ORDER_FIELDS,
    ORDERS,
    OUTBOX_FIELDS,
    WRITE_AT_ONCE,
)

ATTENDEE_FIELDS = ("order_id", "event_id", "ticket_id", "unit", "first_name", "last_name",
                   "email", "checkin_secret", "created_at")


@dataclass(frozen=True)
class Draft:
    """An order the checks accepted, not yet written: its objects (ids and units are set
    by the write), its discount and the caller's idempotency key."""

    placed: PlacedOrder
    discount: Discount | None
    idem: Idempotency | None
    pointer: str
    hold_cap: int  # MAX_PENDING_UNITS_PER_BUYER (models/ticketing/orders/holds.py)


def _key_row(draft: Draft) -> dict:
    order, idem = draft.placed.order, draft.idem
    assert idem is not None
    return {"user_id": order.user_id, "key": idem.key, "fingerprint": idem.fingerprint,
            "order_id": order.id, "created_at": order.created_at}


def write_at_once(conn: Connection, draft: Draft, order_id: int,
                  attendee_ids: list[int]) -> None:
    """One statement on PostgreSQL for an order of one ticket line, with the ids READ
    took. Raises Conflict when the ticket or the discount code has no room left (nothing
    is written); IntegrityError when the units collide (see orders/statements.py)."""
    placed = draft.placed
    order, [line], people = placed.order, placed.lines, placed.attendees
    order.id = order_id
    for person, attendee_id in zip(people, attendee_ids, strict=True):
        person.id, person.order_id = attendee_id, order_id
    outbox = outbox_row(placed_event(placed))
    params = {
        **{f"order_{f}": getattr(order, f) for f in ORDER_FIELDS},
        "quantity": line.quantity, "ticket_id": line.ticket_id, "unit_price": line.unit_price,
        "discount": line.discount, "discount_uses": order.discount_uses,
        "discount_code_id": order.discount_code_id,
        "attendee_ids": attendee_ids, "first_names": [p.first_name for p in people],
        "last_names": [p.last_name for p in people], "emails": [p.email for p in people],
        "secrets": [p.checkin_secret for p in people],
        "idem_key": draft.idem.key if draft.idem else None,
        "fingerprint": draft.idem.fingerprint if draft.idem else None,
        "hold_cap": draft.hold_cap,
        **{f"outbox_{f}": outbox[f] for f in OUTBOX_FIELDS}}
    [row] = WRITE_AT_ONCE(conn, params)
    if not row["placed"]:
        if row["sold_count"] is None:
            raise sold_out(conn, line.ticket_id, draft.pointer)
        assert draft.discount is not None
        raise exhausted(draft.discount.code)
    by_id = sorted(people, key=lambda person: person.id)
    for person, unit in zip(by_id, row["units"], strict=True):
        person.unit = unit


def write_in_steps(conn: Connection, draft: Draft) -> None:
    """Core statements one after the other: the order, its key and lines before the
    ticket rows are locked (in id order), the units, attendees, discount uses, outbox."""
    placed = draft.placed
    order = placed.order
    order.id = conn.execute(insert(ORDERS).returning(ORDERS.c.id), {
        f: getattr(order, f) for f in ORDER_FIELDS if f != "id"}).scalar_one()
    if draft.idem is not None:
        conn.execute(insert(KEYS), _key_row(draft))
    conn.execute(insert(LINES), [
        {"order_id": order.id, "ticket_id": ln.ticket_id, "quantity": ln.quantity,
         "unit_price": ln.unit_price, "discount": ln.discount} for ln in placed.lines])
    units = reserve_units(conn, {ln.ticket_id: ln.quantity for ln in placed.lines},
                          pointer=draft.pointer)
    taken = {ticket_id: iter(numbers) for ticket_id, numbers in units.items()}
    for person in placed.attendees:
        person.order_id, person.unit = order.id, next(taken[person.ticket_id])
    ids = conn.execute(
        insert(ATTENDEES).returning(ATTENDEES.c.id, sort_by_parameter_order=True),
        [{f: getattr(p, f) for f in ATTENDEE_FIELDS} for p in placed.attendees]).scalars()
    for person, attendee_id in zip(placed.attendees, ids, strict=True):
        person.id = attendee_id
    if draft.discount is not None:
        take_uses(conn, draft.discount.code, order.discount_uses)
    if order.status == "pending":
        take_hold(conn, order.user_id, order.event_id,
                  sum(ln.quantity for ln in placed.lines), draft.hold_cap)
    record_on(conn, placed_event(placed))
