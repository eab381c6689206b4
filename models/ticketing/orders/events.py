"""The events an order records when it is placed."""

from __future__ import annotations

from contracts.ticketing import OrderPlaced
from models.ticketing.orders.read import PlacedOrder


def placed_event(placed: PlacedOrder) -> OrderPlaced:
    order = placed.order
    return OrderPlaced(
        order_id=order.id, event_id=order.event_id, user_id=order.user_id,
        payment_mode=order.payment_mode, amount=str(order.amount),
        discount_code_id=order.discount_code_id,
        lines=[{"ticket_id": ln.ticket_id, "quantity": ln.quantity} for ln in placed.lines],
        attendee_ids=[a.id for a in placed.attendees],
        placed_at=order.created_at.isoformat(), status=order.status,
        expires_at=order.expires_at.isoformat() if order.expires_at else None)
