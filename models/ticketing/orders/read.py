"""Reading orders: an order with its lines and attendees, for those who may see it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.db import Database
from models.core.errors import NotFound
from models.mail.tables import Mail
from models.ticketing.attendees import AttendeeView, views_of
from models.ticketing.orders.drafts import NewAttendee, NewLine, NewOrder
from models.ticketing.staff import can_check_in
from models.ticketing.tables import Attendee, Order, OrderLine, Payment


@dataclass
class PlacedOrder:
    """An order with its lines and attendees: loaded (ORM instances), or just placed."""

    order: Order | NewOrder
    lines: list[OrderLine] | list[NewLine]
    attendees: list[Attendee] | list[NewAttendee]
    replayed: bool = False
    views: list[AttendeeView] | None = None  # attendees with their scans, when loaded
    needs_refund: bool = False  # a payment came after its units were given back
    tickets_mail: Mail | None = None  # the latest mail of its tickets, when loaded


def latest_tickets_mail(s: Session, order_id: int) -> Mail | None:
    """The order's latest tickets mail (`tickets:<id>`, or a resend `tickets:<id>:<r>`)."""
    return s.scalar(select(Mail).where(or_(
        Mail.reference == f"tickets:{order_id}",
        Mail.reference.startswith(f"tickets:{order_id}:", autoescape=True)))
        .order_by(Mail.id.desc()).limit(1))


def needs_refund(s: Session, order_id: int) -> bool:
    """Whether a payment of the order came when it had expired or was cancelled."""
    return bool(s.scalar(select(exists().where(Payment.order_id == order_id,
                                               Payment.needs_refund.is_(True)))))


ORDER_NOT_FOUND = "Order not found"  # one answer, whether it exists or is hidden


def check_order_visible(s: Session, actor: User, order: Order) -> None:
    """NotFound, as for an order that does not exist, unless `actor` bought it or is the
    event's owner, an admin or staff: order ids must not tell others what exists."""
    if order.user_id != actor.id and not can_check_in(s, actor, load_event(s, order.event_id)):
        raise NotFound(ORDER_NOT_FOUND)


def load_placed(s: Session, order_id: int, *, replayed: bool = False,
                for_update: bool = False) -> PlacedOrder:
    stmt = select(Order).where(Order.id == order_id)
    order = s.scalar(stmt.with_for_update() if for_update else stmt)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND)
    lines = list(s.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                           .order_by(OrderLine.ticket_id)))
    attendees = list(s.scalars(select(Attendee).where(Attendee.order_id == order_id)
                               .order_by(Attendee.id)))
    return PlacedOrder(order=order, lines=lines, attendees=attendees, replayed=replayed)


def order_id_by_identifier(db: Database, identifier: str) -> int:
    """The id of the order whose random identifier is `identifier`; NotFound otherwise."""
    with db.session() as s:
        order_id = s.scalar(select(Order.id).where(Order.identifier == identifier))
    if order_id is None:
        raise NotFound(ORDER_NOT_FOUND)
    return order_id


def get_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """An order with its lines and attendees: for its buyer and the event's owner, admins
    and staff; NotFound for anyone else, as for an order that does not exist."""
    with db.session() as s:
        placed = load_placed(s, order_id)
        check_order_visible(s, actor, placed.order)
        placed.views = views_of(s, placed.attendees)
        placed.needs_refund = needs_refund(s, order_id)
        placed.tickets_mail = latest_tickets_mail(s, order_id)
        return placed
