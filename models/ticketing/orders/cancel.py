"""Cancelling an order: its units, unit numbers and discount uses go back, in one
transaction with `order.cancelled`."""

from __future__ import annotations

from contracts.ticketing import OrderCancelled
from models.accounts.tables import User
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict
from models.core.uow import UnitOfWork
from models.ticketing.orders.read import (
    PlacedOrder,
    check_order_visible,
    load_placed,
    needs_refund,
)
from models.ticketing.orders.release import release_order


def cancel_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """The event's owner (or an admin) cancels a pending, placed or completed order: its
    units go back on sale, its attendees give up their unit numbers, its discount uses
    are returned, and `order.cancelled` is recorded. Cancelling a cancelled order changes
    nothing; an expired one gave everything back already: Conflict `order_expired`."""
    with UnitOfWork(db) as uow:
        s = uow.session
        placed = load_placed(s, order_id, for_update=True)
        order = placed.order
        check_order_visible(s, actor, order)  # others: not found, not forbidden
        managed_event(s, actor, order.event_id,
                      "Only the event's owner or an admin can cancel an order")
        placed.needs_refund = needs_refund(s, order_id)
        if order.status == "cancelled":
            return placed
        if order.status == "expired":
            raise Conflict("The order expired and released its tickets already",
                           code="order_expired", pointer="/data/attributes/status")
        lines = release_order(s, placed)
        previous, order.status, order.cancelled_at = order.status, "cancelled", utcnow()
        uow.record(OrderCancelled(
            order_id=order.id, event_id=order.event_id, user_id=order.user_id, lines=lines,
            attendee_ids=[a.id for a in placed.attendees],
            cancelled_at=order.cancelled_at.isoformat(), previous_status=previous,
            amount=str(order.amount)))
        uow.commit()
        return placed
