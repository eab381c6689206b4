"""What an order's tickets show, read in one session for those who may see the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.catalog.tables import Event, Ticket
from models.core.db import Database
from models.core.errors import Conflict
from models.ticketing.orders.read import check_order_visible, load_placed
from models.ticketing.tables import Order
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


def _faces(s: Session, order: Order, event: EventFacts, attendees, lines) -> list[TicketFace]:
    ticket_ids = {a.ticket_id for a in attendees}
    names = dict(s.execute(select(Ticket.id, Ticket.name)
                           .where(Ticket.id.in_(ticket_ids))).all()) if ticket_ids else {}
    # what a unit cost: the line's price less its discount shared over its units
    paid = {ln.ticket_id: Decimal(str(ln.unit_price))
            - Decimal(str(ln.discount or 0)) / max(ln.quantity, 1) for ln in lines}
    where = event.location or ""
    return [TicketFace(event.name, when(event), where, names.get(a.ticket_id, ""),
                       price(paid.get(a.ticket_id, Decimal(0)), order.currency),
                       f"{a.first_name} {a.last_name}".strip(), order.identifier,
                       f"{order.identifier}-{a.id}")
            for a in attendees if not a.is_cancelled]


def read_order_tickets(db: Database, actor: User, order_id: int) -> OrderTickets:
    """The tickets of a completed order, for its buyer and the event's owner, admins and
    staff. NotFound for anyone else (as for no order); Conflict `order_not_completed` for
    an order that is not completed (pending, placed, cancelled, expired: no ticket)."""
    with db.session() as s:
        placed = load_placed(s, order_id)
        order = placed.order
        check_order_visible(s, actor, order)
        if order.status != "completed":
            raise Conflict(f"An order that is {order.status} has no tickets",
                           code=ORDER_NOT_COMPLETED)
        event = event_facts(load_event(s, order.event_id))
        faces = _faces(s, order, event, placed.attendees, placed.lines)
        if not faces:
            raise Conflict("Every attendee of the order is cancelled", code="no_tickets")
        return OrderTickets(order.identifier, event, tuple(faces))
