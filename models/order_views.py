"""Reading and cancelling orders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.attendee_views import AttendeeView, views_of
from models.base import utcnow
from models.catalog import can_manage, load_event, managed_event
from models.contracts_ticketing import OrderCancelled
from models.db import Database
from models.discounts import give_back_uses
from models.errors import Forbidden, Invalid, NotFound
from models.inventory import release_units
from models.tables import User
from models.ticketing_tables import Attendee, Order, OrderLine
from models.uow import UnitOfWork


@dataclass
class PlacedOrder:
    order: Order
    lines: list[OrderLine]
    attendees: list[Attendee]
    replayed: bool = False
    views: list[AttendeeView] | None = None  # attendees with their scans, when loaded


def load_placed(s: Session, order_id: int, *, replayed: bool = False,
                for_update: bool = False) -> PlacedOrder:
    stmt = select(Order).where(Order.id == order_id)
    order = s.scalar(stmt.with_for_update() if for_update else stmt)
    if order is None:
        raise NotFound(f"Order {order_id} not found")
    lines = list(s.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                           .order_by(OrderLine.ticket_id)))
    attendees = list(s.scalars(select(Attendee).where(Attendee.order_id == order_id)
                               .order_by(Attendee.id)))
    return PlacedOrder(order=order, lines=lines, attendees=attendees, replayed=replayed)


def get_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """An order with its lines and attendees: for its buyer, the event's owner, admins."""
    with db.session() as s:
        placed = load_placed(s, order_id)
        if placed.order.user_id != actor.id and \
                not can_manage(actor, load_event(s, placed.order.event_id)):
            raise Forbidden("Only the buyer or the event's owner can see this order")
        placed.views = views_of(s, placed.attendees)
        return placed


def cancel_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """The event's owner (or an admin) cancels an order: its units go back on sale, its
    attendees give up their unit numbers, its discount uses are returned, and
    `order.cancelled` is recorded. Cancelling a cancelled order changes nothing."""
    with UnitOfWork(db) as uow:
        s = uow.session
        placed = load_placed(s, order_id, for_update=True)
        order = placed.order
        managed_event(s, actor, order.event_id,
                      "Only the event's owner or an admin can cancel an order")
        if order.status == "cancelled":
            return placed
        release_units(s, {ln.ticket_id: ln.quantity for ln in placed.lines})
        if order.discount_code_id is not None:
            give_back_uses(s, order.discount_code_id, order.discount_uses)
        # the default synchronisation updates the attendees loaded in `placed` too; the
        # UPDATE's own rows (locked, newest) say who had come in and who is inside now
        came = s.execute(update(Attendee).where(Attendee.order_id == order_id)
                         .values(unit=None, is_cancelled=True)
                         .returning(Attendee.ticket_id, Attendee.is_checked_in,
                                    Attendee.is_checked_out)).all()
        order.status, order.cancelled_at = "cancelled", utcnow()
        uow.record(OrderCancelled(
            order_id=order.id, event_id=order.event_id, user_id=order.user_id,
            lines=[{"ticket_id": ln.ticket_id, "quantity": ln.quantity,
                    "checked_in": sum(1 for t, i, o in came if t == ln.ticket_id and (i or o)),
                    "inside": sum(1 for t, i, o in came if t == ln.ticket_id and i and not o)}
                   for ln in placed.lines],
            attendee_ids=[a.id for a in placed.attendees],
            cancelled_at=order.cancelled_at.isoformat()))
        uow.commit()
        return placed


def check_status_change(status: str) -> None:
    if status != "cancelled":
        raise Invalid("status can only be changed to 'cancelled'", code="invalid_status",
                      pointer="/data/attributes/status")

