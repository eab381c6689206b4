"""Reads for an event's organizers and door staff (Open Event's organizer app): the
events they run, the event's orders and their attendees, order statistics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select

from models.accounts.tables import User
from models.catalog.tables import Event
from models.core.db import Database
from models.core.errors import Forbidden, NotFound
from models.core.queries import Page, Refine, paginate, refined
from models.ticketing.attendees import AttendeeView, views_of
from models.ticketing.orders.read import ORDER_NOT_FOUND, check_order_visible
from models.ticketing.staff import door_event
from models.ticketing.tables import ORDER_STATUSES, Attendee, EventStaff, Order, OrderLine

# Open Event's statistics also name draft orders, which venuebus never has (always 0)
ORDER_STATES = ("draft", *ORDER_STATUSES)


def list_user_events(db: Database, actor: User, user_id: int, number: int, size: int,
                     refine: Refine | None = None) -> Page[Event]:
    """The events `user_id` owns or is staff of: for that user or an admin."""
    if actor.id != user_id and not actor.is_admin:
        raise Forbidden("You can only list your own events")
    staffed = select(EventStaff.event_id).where(EventStaff.user_id == user_id)
    stmt = select(Event).where(or_(Event.owner_id == user_id, Event.id.in_(staffed))) \
        .order_by(Event.id)
    with db.session() as s:
        return paginate(s, refined(stmt, refine), number, size)


def orders_by_ids(db: Database, ids: list[int]) -> list[Order]:
    """The orders among `ids`, in one query (included next to resources already shown)."""
    with db.session() as s:
        return list(s.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id)))


def list_event_orders(db: Database, actor: User, event_id: int, number: int, size: int,
                      refine: Refine | None = None) -> Page[Order]:
    """The event's orders (owner, admins, staff)."""
    with db.session() as s:
        door_event(s, actor, event_id, "Only the event's owner or staff can see its orders")
        stmt = select(Order).where(Order.event_id == event_id).order_by(Order.id)
        return paginate(s, refined(stmt, refine), number, size)


def get_event_order(db: Database, actor: User, order_id: int) -> Order:
    """An order for its buyer and the event's owner, admins and staff (NotFound for
    others, as for an order that does not exist)."""
    with db.session() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(ORDER_NOT_FOUND)
        check_order_visible(s, actor, order)
        return order


def list_order_attendees(db: Database, actor: User, order_id: int) -> list[AttendeeView]:
    """An order's attendees with their scans, for whom `get_event_order` lets see it."""
    get_event_order(db, actor, order_id)
    with db.session() as s:
        attendees = list(s.scalars(select(Attendee).where(Attendee.order_id == order_id)
                                   .order_by(Attendee.id)))
        return views_of(s, attendees)


@dataclass(frozen=True)
class OrderStatistics:
    """Per order state: orders, ticket units and sales (what the orders brought in)."""

    orders: dict[str, int]
    tickets: dict[str, int]
    sales: dict[str, Decimal]


def get_order_statistics(db: Database, actor: User, event_id: int) -> OrderStatistics:
    """Orders, units and amounts by state, in one grouped query (owner, admins, staff)."""
    units = select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units")) \
        .group_by(OrderLine.order_id).subquery()
    stmt = select(Order.status, func.count(), func.coalesce(func.sum(Order.amount), 0),
                  func.coalesce(func.sum(units.c.units), 0)) \
        .outerjoin(units, units.c.order_id == Order.id) \
        .where(Order.event_id == event_id).group_by(Order.status)
    with db.session() as s:
        door_event(s, actor, event_id,
                   "Only the event's owner or staff can see its statistics")
        rows = s.execute(stmt).all()
    orders = dict.fromkeys(ORDER_STATES, 0)
    tickets = dict.fromkeys(ORDER_STATES, 0)
    sales = dict.fromkeys(ORDER_STATES, Decimal(0))
    for status, count, amount, unit_count in rows:
        orders[status], tickets[status], sales[status] = count, int(unit_count), amount
    return OrderStatistics(orders, tickets, sales)
