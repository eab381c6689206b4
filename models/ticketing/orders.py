"""Placing orders (online and onsite), each in one transaction.

An order starts completed when nothing is to be paid online (free, or sold at the door by
the owner), placed when the buyer promised an offline payment (bank, cheque), and pending
otherwise: a paid online order holds its units for the event's `order_expiry_time`
minutes (models/ticketing/expiry.py gives them back if it is not paid by then).

Nothing is created on any error: the order, its lines, its attendees, the capacity taken,
the discount uses taken, the idempotency key and the `order.placed` outbox row commit
together or not at all (never Open Event's commit-one-by-one-then-delete-by-hand)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.ticketing import OrderPlaced
from models.accounts.tables import User
from models.catalog.events import can_manage, load_event
from models.catalog.tables import Event, Ticket
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Busy, Forbidden, Invalid
from models.core.uow import UnitOfWork
from models.ticketing.discounts import find_discount, take_uses
from models.ticketing.idempotency import Idempotency, earlier_order_id, remember
from models.ticketing.inventory import reserve_units
from models.ticketing.order_views import PlacedOrder, load_placed
from models.ticketing.tables import Attendee, Order, OrderLine

ONSITE_POINTER = "/data/attributes/on-site-tickets"
ATTENDEES_POINTER = "/data/attributes/attendees"
ONSITE_NAME = ("Onsite", "Attendee")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AttendeeDetails:
    """Who holds one unit of `ticket_id` in a (non-onsite) order."""

    ticket_id: int
    first_name: str
    last_name: str
    email: str | None = None


MAX_UNITS_PER_LINE = 10_000  # also the most max-order a ticket may have
OFFLINE_PAYMENT_MODES = ("bank", "cheque")  # the organiser completes or cancels the order


def place_onsite_order(db: Database, actor: User, event_id: int,
                       tickets: list[tuple[int, int]], *,
                       idempotency: Idempotency | None = None) -> PlacedOrder:
    """The event's owner (or an admin) sells `(ticket_id, quantity)` at the door: one
    order, paid onsite, with exactly `quantity` placeholder attendees per ticket. The sales
    window is not checked; min/max per order and capacity are. Raises Invalid (422) on
    missing or bad ticket data, Conflict `ticket_sold_out` (409) past capacity."""
    if not tickets:
        raise Invalid("on-site-tickets info missing", code="on_site_tickets_missing",
                      pointer=ONSITE_POINTER)
    holders: dict[int, list[AttendeeDetails]] = defaultdict(list)
    for ticket_id, quantity in tickets:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise Invalid(f"quantity of ticket {ticket_id} must be a positive integer",
                          code="invalid_quantity", pointer=ONSITE_POINTER)
        if len(holders[ticket_id]) + quantity > MAX_UNITS_PER_LINE:
            # checked before anything is built: a huge number must not cost memory
            raise Invalid(f"At most {MAX_UNITS_PER_LINE} units of one ticket per order",
                          code="invalid_quantity", pointer=ONSITE_POINTER)
        holders[ticket_id] += [AttendeeDetails(ticket_id, *ONSITE_NAME)] * quantity
    return _place(db, actor, event_id, holders, mode="onsite", code=None,
                  idem=idempotency, pointer=ONSITE_POINTER)


def place_order(db: Database, actor: User, event_id: int, attendees: list[AttendeeDetails],
                *, discount_code: str | None = None, payment_mode: str = "online",
                idempotency: Idempotency | None = None) -> PlacedOrder:
    """A signed-in user buys one unit per attendee given, within each ticket's sales window
    and min/max per order, with an optional discount code (valid now, uses left). A paid
    order is pending (`online`, expires) or placed (`bank` / `cheque`); a free one is
    completed. Raises Invalid (422), Conflict `ticket_sold_out` / `discount_exhausted`
    (409)."""
    if payment_mode not in ("online", *OFFLINE_PAYMENT_MODES):
        raise Invalid(f"payment-mode must be online, bank or cheque, not {payment_mode!r}",
                      code="invalid_payment_mode", pointer="/data/attributes/payment-mode")
    if not attendees:
        raise Invalid("An order needs at least one attendee", code="attendees_missing",
                      pointer=ATTENDEES_POINTER)
    holders: dict[int, list[AttendeeDetails]] = defaultdict(list)
    for person in attendees:
        holders[person.ticket_id].append(person)
    return _place(db, actor, event_id, holders, mode=payment_mode, code=discount_code,
                  idem=idempotency, pointer=ATTENDEES_POINTER)


def _start(order: Order, event: Event) -> None:
    """The order's first state, from its payment mode and amount (set by `_price`)."""
    if order.payment_mode in ("free", "onsite"):
        order.status, order.completed_at = "completed", order.created_at
    elif order.payment_mode in OFFLINE_PAYMENT_MODES:
        order.status = "placed"
    else:
        order.status = "pending"
        order.expires_at = order.created_at + timedelta(minutes=event.order_expiry_time)


def _place(db: Database, actor: User, event_id: int,
           holders: dict[int, list[AttendeeDetails]], *, mode: str, code: str | None,
           idem: Idempotency | None, pointer: str) -> PlacedOrder:
    onsite = mode == "onsite"
    for attempt in (1, 2):
        with UnitOfWork(db) as uow:
            s = uow.session
            event = load_event(s, event_id)
            if onsite and not can_manage(actor, event):
                raise Forbidden("Only the event's owner or an admin can sell onsite")
            if idem is not None:
                earlier = earlier_order_id(s, actor.id, idem)
                if earlier is not None:
                    return load_placed(s, earlier, replayed=True)
            tickets = _tickets(s, actor, event, sorted(holders), pointer)
            for ticket in tickets:
                _check_line(ticket, len(holders[ticket.id]), window=not onsite, pointer=pointer)
            discount = find_discount(s, event_id, code, [t.id for t in tickets]) if code \
                else None
            order = Order(event_id=event_id, user_id=actor.id, payment_mode=mode,
                          discount_code_id=discount.code.id if discount else None,
                          created_at=utcnow())
            lines = _price(order, tickets, holders, discount)
            _start(order, event)
            s.add(order)
            s.flush()
            if idem is not None:
                try:
                    remember(s, actor.id, idem, order.id)
                except IntegrityError:
                    if attempt == 1:  # a concurrent retry with this key won: answer with it
                        continue
                    raise
            for line in lines:  # written before the ticket locks are taken
                line.order_id = order.id
            s.add_all(lines)
            units = reserve_units(s, {t.id: len(holders[t.id]) for t in tickets},
                                  pointer=pointer)
            placed = _attendees(s, order, lines, holders, units)
            if discount is not None:
                # stored: a cancel gives back exactly these, whatever the code covers then
                order.discount_uses = sum(ln.quantity for ln in placed.lines
                                          if ln.ticket_id in discount.ticket_ids)
                take_uses(s, discount.code, order.discount_uses)
            uow.record(OrderPlaced(
                order_id=order.id, event_id=event_id, user_id=actor.id,
                payment_mode=order.payment_mode, amount=str(order.amount),
                discount_code_id=order.discount_code_id,
                lines=[{"ticket_id": ln.ticket_id, "quantity": ln.quantity}
                       for ln in placed.lines],
                attendee_ids=[a.id for a in placed.attendees],
                placed_at=order.created_at.isoformat(), status=order.status,
                expires_at=order.expires_at.isoformat() if order.expires_at else None))
            uow.commit()
            return placed
    raise Busy("The order is being placed by a concurrent request; retry", code="busy")


def _tickets(s: Session, actor: User, event: Event, ids: list[int],
             pointer: str) -> list[Ticket]:
    found = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    for ticket_id in ids:
        ticket = found.get(ticket_id)
        if ticket is None or (ticket.is_hidden and not can_manage(actor, event)):
            raise Invalid(f"Ticket with id: {ticket_id} not found", code="unknown_ticket",
                          pointer=pointer)
        if ticket.event_id != event.id:
            raise Invalid(f"Ticket with id: {ticket_id} belongs to another event",
                          code="ticket_of_other_event", pointer=pointer)
    return [found[i] for i in ids]


def _check_line(ticket: Ticket, quantity: int, *, window: bool, pointer: str) -> None:
    if quantity < ticket.min_order or quantity > ticket.max_order:
        raise Invalid(f"Ticket with id: {ticket.id} is sold {ticket.min_order} to "
                      f"{ticket.max_order} per order, not {quantity}",
                      code="order_limits", pointer=pointer)
    now = utcnow()
    if window and ticket.sales_starts_at and now < ticket.sales_starts_at:
        raise Invalid(f"Ticket with id: {ticket.id} is not on sale yet",
                      code="sales_not_started", pointer=pointer)
    if window and ticket.sales_ends_at and now > ticket.sales_ends_at:
        raise Invalid(f"Ticket with id: {ticket.id} is no longer on sale",
                      code="sales_ended", pointer=pointer)


def _price(order: Order, tickets: list[Ticket], holders: dict[int, list[AttendeeDetails]],
           discount) -> list[OrderLine]:
    """The order's lines (not yet added) and its amounts."""
    lines = []
    for ticket in tickets:
        n = len(holders[ticket.id])
        off = discount.per_unit(ticket.price) if discount and ticket.id in discount.ticket_ids \
            else Decimal("0")
        lines.append(OrderLine(ticket_id=ticket.id, quantity=n, unit_price=ticket.price,
                               discount=off * n))
    gross = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
    order.discount_amount = sum((ln.discount for ln in lines), Decimal("0")).quantize(CENT)
    order.amount = max(Decimal("0"), gross - order.discount_amount).quantize(CENT)
    if order.payment_mode != "onsite" and order.amount == 0:
        order.payment_mode = "free"
    return lines


def _attendees(s: Session, order: Order, lines: list[OrderLine],
               holders: dict[int, list[AttendeeDetails]],
               units: dict[int, list[int]]) -> PlacedOrder:
    attendees = [Attendee(order_id=order.id, event_id=order.event_id, ticket_id=ln.ticket_id,
                          unit=unit, first_name=p.first_name, last_name=p.last_name,
                          email=p.email, checkin_secret=secrets.token_urlsafe(24))
                 for ln in lines
                 for p, unit in zip(holders[ln.ticket_id], units[ln.ticket_id], strict=True)]
    s.add_all(attendees)
    s.flush()
    return PlacedOrder(order=order, lines=lines, attendees=attendees, replayed=False)
