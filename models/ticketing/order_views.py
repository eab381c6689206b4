"""Reading orders: an order with its lines and attendees, for those who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.db import Database
from models.core.errors import NotFound
from models.ticketing.attendees import AttendeeView, views_of
from models.ticketing.staff import can_check_in
from models.ticketing.tables import Attendee, Order, OrderLine, Payment


@dataclass(slots=True)
class NewOrder:
    """An order being placed, as its row will hold it: the rows of a new order are written
    by Core statements (models/ticketing/order_steps.py), so its objects need none of the
    ORM's instrumentation, whose three instances cost a tenth of an order's CPU. Read like
    an `Order` by whatever renders a placed order."""

    event_id: int
    user_id: int
    payment_mode: str
    discount_code_id: int | None
    created_at: datetime
    discount_uses: int = 0
    id: int | None = None  # set by the write
    status: str = "completed"
    amount: Decimal = Decimal("0")
    discount_amount: Decimal = Decimal("0")
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    completed_by_id: int | None = None


@dataclass(slots=True)
class NewLine:
    """A line of a `NewOrder`, read like an `OrderLine`."""

    ticket_id: int
    quantity: int
    unit_price: Decimal
    discount: Decimal


@dataclass(slots=True)
class NewAttendee:
    """An attendee of a `NewOrder` (its id, order and unit set by the write), read like an
    `Attendee`."""

    event_id: int
    ticket_id: int
    first_name: str
    last_name: str
    email: str | None
    checkin_secret: str
    created_at: datetime
    id: int | None = None
    order_id: int | None = None
    unit: int | None = None
    is_checked_in: bool = False
    is_checked_out: bool = False
    is_cancelled: bool = False
    scan_count: int = 0


@dataclass
class PlacedOrder:
    """An order with its lines and attendees: loaded (ORM instances), or just placed."""

    order: Order | NewOrder
    lines: list[OrderLine] | list[NewLine]
    attendees: list[Attendee] | list[NewAttendee]
    replayed: bool = False
    views: list[AttendeeView] | None = None  # attendees with their scans, when loaded
    needs_refund: bool = False  # a payment came after its units were given back


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


def get_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """An order with its lines and attendees: for its buyer and the event's owner, admins
    and staff; NotFound for anyone else, as for an order that does not exist."""
    with db.session() as s:
        placed = load_placed(s, order_id)
        check_order_visible(s, actor, placed.order)
        placed.views = views_of(s, placed.attendees)
        placed.needs_refund = needs_refund(s, order_id)
        return placed
