"""What an order's tickets show, read in one session for those who may see the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.tables import Event, Ticket
from models.core.db import Database
from models.core.errors import Conflict, NotFound
from models.ticketing.orders.read import ORDER_NOT_FOUND, check_order_visible
from models.ticketing.tables import Attendee, Order, OrderLine
from printing.ticket import TicketFace

ORDER_NOT_COMPLETED = "order_not_completed"


@dataclass(frozen=True)
class EventFacts:
    """The event as its tickets and calendar file state it."""

    event_id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    description: str | None


@dataclass(frozen=True)
class OrderTickets:
    identifier: str
    event: EventFacts
    faces: tuple[TicketFace, ...]


def event_facts(event: Event) -> EventFacts:
    return EventFacts(event.id, event.name, event.starts_at, event.ends_at,
                      event.timezone or "UTC", event.location_name, event.description)


def when(event: EventFacts) -> str:
    """`Mon 1 Mar 2027, 09:00 – Tue 2 Mar 2027, 18:00 (Europe/Berlin)` in the event's zone;
    the end's date is left out when the event ends the day it starts."""
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    day = "%a %-d %b %Y"
    until = end.strftime("%H:%M") if end.date() == start.date() \
        else end.strftime(f"{day}, %H:%M")
    return f"{start.strftime(day)}, {start.strftime('%H:%M')} – {until} ({event.timezone})"


def price(amount: Decimal, currency: str | None) -> str:
    if amount <= 0:
        return "Free"
    return f"{amount:.2f} {currency}" if currency else f"{amount:.2f}"


def _faces(s: Session, order: Order, event: EventFacts) -> list[TicketFace]:
    """The faces of the order's attendees (not cancelled), in two statements: the lines,
    and the attendees with their ticket's name."""
    lines = s.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    # what a unit cost: the line's price less its discount shared over its units
    paid = {ln.ticket_id: Decimal(str(ln.unit_price))
            - Decimal(str(ln.discount or 0)) / max(ln.quantity, 1) for ln in lines}
    attendees = s.execute(
        select(Attendee.id, Attendee.ticket_id, Attendee.first_name, Attendee.last_name,
               Ticket.name)
        .outerjoin(Ticket, Ticket.id == Attendee.ticket_id)
        .where(Attendee.order_id == order.id, Attendee.is_cancelled.is_(False))
        .order_by(Attendee.id))
    where = event.location or ""
    return [TicketFace(event.name, when(event), where, ticket_name or "",
                       price(paid.get(ticket_id, Decimal(0)), order.currency),
                       f"{first} {last}".strip(), order.identifier,
                       f"{order.identifier}-{attendee_id}")
            for attendee_id, ticket_id, first, last, ticket_name in attendees]


def tickets_of(s: Session, order: Order) -> OrderTickets:
    """The tickets of `order`, whoever asks (the caller decides who may). Conflict
    `order_not_completed` unless the order is completed, `no_tickets` when every
    attendee is cancelled. The event comes from the session's identity map when it was
    read before (a mail batch reads each event once)."""
    if order.status != "completed":
        raise Conflict(f"An order that is {order.status} has no tickets",
                       code=ORDER_NOT_COMPLETED)
    found = s.get(Event, order.event_id)
    if found is None:
        raise NotFound(f"Event {order.event_id} not found")
    event = event_facts(found)
    faces = _faces(s, order, event)
    if not faces:
        raise Conflict("Every attendee of the order is cancelled", code="no_tickets")
    return OrderTickets(order.identifier, event, tuple(faces))


def read_order_tickets(db: Database, actor: User, order_id: int) -> OrderTickets:
    """The tickets of a completed order, for its buyer and the event's owner, admins and
    staff. NotFound for anyone else (as for no order); Conflict `order_not_completed` for
    an order that is not completed (pending, placed, cancelled, expired: no ticket)."""
    with db.session() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(ORDER_NOT_FOUND)
        check_order_visible(s, actor, order)
        return tickets_of(s, order)
