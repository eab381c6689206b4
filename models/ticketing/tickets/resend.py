"""Mailing an order's tickets again, on the buyer's or an organizer's request: a new mail
of its own (a new intent), throttled per order."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

from sqlalchemy import select

from contracts.ticketing import OrderTicketsRequested
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, NotFound, Throttled
from models.core.uow import UnitOfWork
from models.ticketing.orders.read import ORDER_NOT_FOUND, check_order_visible
from models.ticketing.tables import Order
from models.ticketing.tickets.read import ORDER_NOT_COMPLETED

RESEND_INTERVAL = timedelta(minutes=1)


def resend_tickets(db: Database, actor: User, order_id: int) -> str:
    """Record `order.tickets_requested` (the mail consumer mails the buyer's tickets once
    more); returns the request id. NotFound for anyone but the buyer and the event's
    owner, admins and staff; Conflict `order_not_completed`; Throttled when the order's
    tickets were asked for less than RESEND_INTERVAL ago (the order's row is locked, so
    racing requests make one mail)."""
    with UnitOfWork(db) as uow:
        order = uow.session.scalar(select(Order).where(Order.id == order_id)
                                   .with_for_update())
        if order is None:
            raise NotFound(ORDER_NOT_FOUND)
        check_order_visible(uow.session, actor, order)
        if order.status != "completed":
            raise Conflict(f"An order that is {order.status} has no tickets",
                           code=ORDER_NOT_COMPLETED)
        now = utcnow()
        last = order.tickets_requested_at
        if last is not None and now - last < RESEND_INTERVAL:
            wait = math.ceil((last + RESEND_INTERVAL - now).total_seconds())
            raise Throttled(f"The tickets were sent again just now; retry in {wait} s",
                            retry_after=max(wait, 1), code="tickets_resend_throttled")
        order.tickets_requested_at = now
        request_id = secrets.token_urlsafe(9)
        uow.record(OrderTicketsRequested(order_id=order.id, request_id=request_id,
                                         requested_by_id=actor.id,
                                         requested_at=now.isoformat()))
        uow.commit()
        return request_id
