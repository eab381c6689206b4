"""Cancelling an order: its units, unit numbers and discount uses go back, in one
transaction with `order.cancelled`."""

from __future__ import annotations

from sqlalchemy import update

from contracts.ticketing import OrderCancelled
from models.accounts.tables import User
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Invalid
from models.core.uow import UnitOfWork
from models.ticketing.discounts import give_back_uses
from models.ticketing.inventory import release_units
from models.ticketing.order_views import PlacedOrder, load_placed
from models.ticketing.tables import Attendee


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

