"""Completing an order: the organiser marks it paid, or a payment provider says so. Only
a completed order's attendees get in (models/ticketing/checkin/scan.py)."""

from __future__ import annotations

from contracts.ticketing import OrderCompleted
from models.accounts.tables import User
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Invalid
from models.core.uow import UnitOfWork
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.holds import give_back_hold
from models.ticketing.orders.read import (
    PlacedOrder,
    check_order_visible,
    load_placed,
    needs_refund,
)
from models.ticketing.tables import Order, OrderLine

COMPLETABLE = ("pending", "placed")
STATUS_POINTER = "/data/attributes/status"


def mark_completed(uow: UnitOfWork, order: Order, lines: list[OrderLine], *,
                   by_id: int | None, payment_id: int | None = None) -> None:
    """Complete `order` (pending or placed; the caller holds its row lock and checked)
    and record `order.completed` in the same transaction."""
    previous = order.status
    if previous == "pending":
        give_back_hold(uow.session, order.user_id, order.event_id,
                       sum(ln.quantity for ln in lines))
    order.status, order.completed_at, order.completed_by_id = "completed", utcnow(), by_id
    uow.record(OrderCompleted(
        order_id=order.id, event_id=order.event_id, user_id=order.user_id,
        previous_status=previous, amount=str(order.amount),
        lines=[{"ticket_id": ln.ticket_id, "quantity": ln.quantity} for ln in lines],
        completed_by_id=by_id, payment_id=payment_id,
        completed_at=order.completed_at.isoformat()))


def complete_order(db: Database, actor: User, order_id: int) -> PlacedOrder:
    """The event's owner (or an admin) marks a pending or placed order paid: it records
    who and when, and `order.completed`. Completing a completed order changes nothing;
    a cancelled or expired one gave its units back: Conflict `order_not_completable`."""
    with UnitOfWork(db) as uow:
        s = uow.session
        placed = load_placed(s, order_id, for_update=True)
        order = placed.order
        check_order_visible(s, actor, order)  # others: not found, not forbidden
        managed_event(s, actor, order.event_id,
                      "Only the event's owner or an admin can mark an order paid")
        if order.status not in (*COMPLETABLE, "completed"):
            raise Conflict(f"An order that is {order.status} cannot be completed",
                           code="order_not_completable", pointer=STATUS_POINTER)
        if order.status != "completed":
            mark_completed(uow, order, placed.lines, by_id=actor.id)
        placed.needs_refund = needs_refund(s, order.id)
        uow.commit()
        return placed


def change_order_status(db: Database, actor: User, order_id: int, status: object
                        ) -> PlacedOrder:
    """PATCH of an order's `status`: `completed` or `cancelled`; anything else is Invalid
    `invalid_status` (the other states are reached only by placement and expiry)."""
    if status == "completed":
        return complete_order(db, actor, order_id)
    if status == "cancelled":
        return cancel_order(db, actor, order_id)
    raise Invalid("status can only be changed to 'completed' or 'cancelled'",
                  code="invalid_status", pointer=STATUS_POINTER)
