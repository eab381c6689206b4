"""Placing orders (online and onsite), each in one transaction.

An order starts completed when nothing is to be paid online (free, or sold at the door by
the owner), placed when the buyer promised an offline payment (bank, cheque), and pending
otherwise: a paid online order holds its units for the event's `order_expiry_time`
minutes (models/ticketing/orders/expire.py gives them back if it is not paid by then).

Nothing is created on any error: the order, its lines, its attendees, the capacity taken,
the discount uses taken, the idempotency key and the `order.placed` outbox row commit
together or not at all (never Open Event's commit-one-by-one-then-delete-by-hand)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.accounts.throttle import Limit, take_attempt
from models.core.base import utcnow
from models.core.db import Database, unique_violation
from models.core.errors import Busy, Forbidden, Invalid
from models.ticketing.codes import new_order_identifier
from models.ticketing.discounts import find_discount
from models.ticketing.orders.drafts import NewAttendee, NewLine, NewOrder
from models.ticketing.orders.holds import too_many_pending
from models.ticketing.orders.idempotency import Idempotency, earlier_order_id
from models.ticketing.orders.read import PlacedOrder, load_placed
from models.ticketing.orders.statements import OrderFacts, TicketRow, read_order_facts
from models.ticketing.orders.throttle import Attempt
from models.ticketing.orders.write import Draft, write_at_once, write_in_steps

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


def place_onsite_order(db: Database, actor: User | int, event_id: int,
                       tickets: list[tuple[int, int]], *,
                       idempotency: Idempotency | None = None,
                       token_version: int | None = None,
                       throttle: list[Limit] | None = None) -> PlacedOrder:
    """The event's owner (or an admin) sells `(ticket_id, quantity)` at the door: one
    order, paid onsite, with exactly `quantity` placeholder attendees per ticket. The sales
    window is not checked; min/max per order and capacity are. `actor` is a user or the
    id of one (the API's token, with its `token_version`), confirmed in the order's
    transaction: Unauthorized when the account is gone, deactivated or signed out since.
    Raises Invalid (422) on missing or bad ticket data, Conflict `ticket_sold_out` (409)
    past capacity; Throttled (429) when the attempt, counted against `throttle` (the
    limits of models/ticketing/orders/throttle.py) once the input is well formed, passes
    one."""
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
                  idem=idempotency, pointer=ONSITE_POINTER, token_version=token_version,
                  throttle=throttle)


def place_order(db: Database, actor: User | int, event_id: int,
                attendees: list[AttendeeDetails],
                *, discount_code: str | None = None, payment_mode: str = "online",
                idempotency: Idempotency | None = None,
                token_version: int | None = None,
                throttle: list[Limit] | None = None) -> PlacedOrder:
    """A signed-in user buys one unit per attendee given, within each ticket's sales window
    and min/max per order, with an optional discount code (valid now, uses left). A paid
    order is pending (`online`, expires) or placed (`bank` / `cheque`); a free one is
    completed. `actor` and `throttle` as for `place_onsite_order`. Raises Invalid (422),
    Conflict `ticket_sold_out` / `discount_exhausted` (409), Throttled (429)."""
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
                  idem=idempotency, pointer=ATTENDEES_POINTER, token_version=token_version,
                  throttle=throttle)


def _start(order: NewOrder, expiry_minutes: int) -> None:
    """The order's first state, from its payment mode and amount (set by `_price`)."""
    order.completed_at = order.expires_at = None
    if order.payment_mode in ("free", "onsite"):
        order.status, order.completed_at = "completed", order.created_at
    elif order.payment_mode in OFFLINE_PAYMENT_MODES:
        order.status = "placed"
    else:
        order.status = "pending"
        order.expires_at = order.created_at + timedelta(minutes=expiry_minutes)


def _place(db: Database, actor: User | int, event_id: int,
           holders: dict[int, list[AttendeeDetails]], *, mode: str, code: str | None,
           idem: Idempotency | None, pointer: str,
           token_version: int | None = None,
           throttle: list[Limit] | None = None) -> PlacedOrder:
    """Check and write the order, all or nothing. On PostgreSQL an order of one ticket
    is two round trips: `READ` (which also counts the attempt against `throttle`), then
    `WRITE_AT_ONCE`, a single statement and so a transaction of its own (`_connection`).
    A unique index that refuses the write (a concurrent request with the same
    Idempotency-Key won, or units given back made the at-once units collide) sends it
    round again, read anew (not counted again) and written in steps in one transaction:
    the winner's order is then answered, or the lowest free units taken."""
    actor_id = actor if isinstance(actor, int) else actor.id
    at_once = db.is_postgres and len(holders) == 1
    cap = db.config.max_pending_units_per_buyer
    attempt = Attempt.of(throttle)
    if attempt is not None and not (at_once and not code):
        # READ runs in the order's transaction: a refusal would take the count back
        take_attempt(db, attempt.limits, now=attempt.now)
        attempt = None
    for _attempt in range(3):
        try:
            with _connection(db, single_statement=at_once and not code) as conn:
                return _place_in(conn, actor_id, event_id, holders, mode=mode, code=code,
                                 idem=idem, pointer=pointer, at_once=at_once,
                                 token_version=token_version, hold_cap=cap,
                                 attempt=attempt)
        except IntegrityError as exc:
            refusal = too_many_pending(exc, cap)
            if refusal is not None:
                raise refusal from None
            if not unique_violation(exc):
                raise
            at_once = False
        finally:
            attempt = None  # counted by the first READ, whatever became of it
    raise Busy("The order is being placed by a concurrent request; retry", code="busy")


@contextmanager
def _connection(db: Database, *, single_statement: bool) -> Iterator[Connection]:
    """A transaction, or with `single_statement` a connection in autocommit: the order is
    then written by one statement, atomic by itself, which writes nothing unless it took
    the units (and the discount code, with its second UPDATE, takes a transaction). The
    read before it locks nothing, so no BEGIN and COMMIT round trips wrap them, and the
    ticket's row lock is held for that statement alone, not until a COMMIT sent after."""
    if not single_statement:
        with db.engine.begin() as conn:
            yield conn
        return
    with db.autocommit_engine.connect() as conn:
        yield conn


def _place_in(conn: Connection, actor_id: int, event_id: int,
              holders: dict[int, list[AttendeeDetails]], *, mode: str, code: str | None,
              idem: Idempotency | None, pointer: str, at_once: bool,
              token_version: int | None, hold_cap: int,
              attempt: Attempt | None) -> PlacedOrder:
    onsite = mode == "onsite"
    units = sum(map(len, holders.values())) if at_once else 0
    facts = read_order_facts(conn, actor_id, event_id, sorted(holders), idem, units,
                             token_version, attempt)
    if onsite and not facts.actor_manages:
        raise Forbidden("Only the event's owner or an admin can sell onsite")
    if idem is not None:
        earlier = earlier_order_id(conn, facts.key, idem)
        if earlier is not None:
            with Session(bind=conn) as s:
                return load_placed(s, earlier, replayed=True)
    tickets = _tickets(facts, sorted(holders), pointer)
    for ticket in tickets:
        _check_line(ticket, len(holders[ticket.id]), window=not onsite, pointer=pointer)
    discount = None
    if code:
        with Session(bind=conn) as s:
            discount = find_discount(s, event_id, code, [t.id for t in tickets])
    order = NewOrder(event_id=event_id, user_id=actor_id, payment_mode=mode,
                     discount_code_id=discount.code.id if discount else None,
                     created_at=utcnow(), identifier=new_order_identifier(),
                     currency=facts.currency)
    lines = _price(order, tickets, holders, discount)
    _start(order, facts.order_expiry_time)
    if discount is not None:
        # stored: a cancel gives back exactly these, whatever the code covers then
        order.discount_uses = sum(ln.quantity for ln in lines
                                  if ln.ticket_id in discount.ticket_ids)
    draft = Draft(PlacedOrder(order=order, lines=lines, attendees=_attendees(order, lines,
                                                                              holders)),
                  discount, idem, pointer, hold_cap)
    if at_once:
        write_at_once(conn, draft, facts.new_order_id, facts.new_attendee_ids)
    else:
        write_in_steps(conn, draft)
    return draft.placed


def _tickets(facts: OrderFacts, ids: list[int], pointer: str) -> list[TicketRow]:
    for ticket_id in ids:
        ticket = facts.tickets.get(ticket_id)
        if ticket is None or (ticket.is_hidden and not facts.actor_manages):
            raise Invalid(f"Ticket with id: {ticket_id} not found", code="unknown_ticket",
                          pointer=pointer)
        if ticket.event_id != facts.event_id:
            raise Invalid(f"Ticket with id: {ticket_id} belongs to another event",
                          code="ticket_of_other_event", pointer=pointer)
    return [facts.tickets[i] for i in ids]


def _check_line(ticket: TicketRow, quantity: int, *, window: bool, pointer: str) -> None:
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


def _price(order: NewOrder, tickets: list[TicketRow],
           holders: dict[int, list[AttendeeDetails]], discount) -> list[NewLine]:
    """The order's lines (not yet added) and its amounts."""
    lines = []
    for ticket in tickets:
        n = len(holders[ticket.id])
        off = discount.per_unit(ticket.price) if discount and ticket.id in discount.ticket_ids \
            else Decimal("0")
        lines.append(NewLine(ticket_id=ticket.id, quantity=n, unit_price=ticket.price,
                             discount=off * n))
    gross = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
    order.discount_amount = sum((ln.discount for ln in lines), Decimal("0")).quantize(CENT)
    order.amount = max(Decimal("0"), gross - order.discount_amount).quantize(CENT)
    if order.payment_mode != "onsite" and order.amount == 0:
        order.payment_mode = "free"
    return lines


def _attendees(order: NewOrder, lines: list[NewLine],
               holders: dict[int, list[AttendeeDetails]]) -> list[NewAttendee]:
    """The order's attendees, line by line; the write sets their ids and units."""
    return [NewAttendee(event_id=order.event_id, ticket_id=ln.ticket_id,
                        first_name=p.first_name, last_name=p.last_name, email=p.email,
                        checkin_secret=secrets.token_urlsafe(24), created_at=order.created_at)
            for ln in lines for p in holders[ln.ticket_id]]
