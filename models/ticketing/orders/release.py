"""Giving back what an order holds, when it is cancelled or expires: one function, so the
two ways out release exactly the same things."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.ticketing.discounts import give_back_uses
from models.ticketing.orders.holds import give_back_hold
from models.ticketing.orders.inventory import release_units
from models.ticketing.orders.read import PlacedOrder
from models.ticketing.tables import Attendee


def release_order(s: Session, placed: PlacedOrder) -> list[dict]:
    """Put the order's units back on sale, return its discount uses and cancel its
    attendees (their unit numbers freed). The caller holds the order's row lock and
    checked that the order still holds them. Returns per line `{ticket_id, quantity,
    checked_in, inside}`: how many of its attendees had come and were inside."""
    order = placed.order
    if order.status == "pending":
        give_back_hold(s, order.user_id, order.event_id,
                       sum(ln.quantity for ln in placed.lines))
    release_units(s, {ln.ticket_id: ln.quantity for ln in placed.lines})
    if order.discount_code_id is not None:
        give_back_uses(s, order.discount_code_id, order.discount_uses)
    # the default synchronisation updates the attendees loaded in `placed` too; the
    # UPDATE's own rows (locked, newest) say who had come in and who is inside now
    came = s.execute(update(Attendee).where(Attendee.order_id == order.id)
                     .values(unit=None, is_cancelled=True)
                     .returning(Attendee.ticket_id, Attendee.is_checked_in,
                                Attendee.is_checked_out)).all()
    return [{"ticket_id": ln.ticket_id, "quantity": ln.quantity,
             "checked_in": sum(1 for t, i, o in came if t == ln.ticket_id and (i or o)),
             "inside": sum(1 for t, i, o in came if t == ln.ticket_id and i and not o)}
            for ln in placed.lines]
