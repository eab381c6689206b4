"""Expiring unpaid orders: a pending order past its `expires_at` gives back its units,
discount uses and attendees, exactly once, with `order.expired`.

Driven by claimed scheduler rows (the pending orders themselves), not by the broker: a
RabbitMQ wait queue with per-message TTL only dead-letters the message at the queue's
head, so an order held for 60 minutes would hold back a 15-minute one queued behind it
(per-queue TTLs would need one queue per window). The orders table already knows every
deadline; the loop claims the due ones with `FOR UPDATE SKIP LOCKED` (several loops may
run on PostgreSQL; SQLite runs one), and the status check under the order's row lock
makes a second run, a replayed one or one racing a payment, a no-op. It is a process of
its own (`venuebus expire-orders`), never a thread in the API."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from contracts.ticketing import OrderExpired
from models.core.base import utcnow
from models.core.db import Database
from models.core.uow import UnitOfWork
from models.ticketing.orders.read import load_placed
from models.ticketing.orders.release import release_order
from models.ticketing.tables import Order

log = logging.getLogger("venuebus.expiry")

_DUE = select(Order.id).where(Order.status == "pending").order_by(Order.expires_at, Order.id)


def expire_due_orders(db: Database, now: datetime, limit: int = 100) -> int:
    """Expire up to `limit` pending orders whose `expires_at` is at or before `now`, one
    transaction each (claim, release, `order.expired`, commit). Orders another loop, a
    payment or a cancel holds are skipped (SKIP LOCKED), then seen done. Returns how many
    this call expired."""
    expired = 0
    while expired < limit:
        with UnitOfWork(db) as uow:
            s = uow.session
            order_id = s.scalar(_DUE.where(Order.expires_at <= now).limit(1)
                                .with_for_update(skip_locked=True))
            if order_id is None:
                return expired
            placed = load_placed(s, order_id, for_update=True)  # the lock is already ours
            order = placed.order
            if order.status != "pending":  # the claim's WHERE already says so; cheap insurance
                continue
            lines = release_order(s, placed)
            order.status, order.expired_at = "expired", utcnow()
            uow.record(OrderExpired(
                order_id=order.id, event_id=order.event_id, user_id=order.user_id,
                amount=str(order.amount), lines=lines,
                attendee_ids=[a.id for a in placed.attendees],
                expired_at=order.expired_at.isoformat()))
            uow.commit()
            expired += 1
    return expired


def next_expiry(db: Database) -> datetime | None:
    """The soonest `expires_at` of a pending order, or None."""
    with db.session() as s:
        return s.scalar(select(func.min(Order.expires_at)).where(Order.status == "pending"))


class ExpiryLoop:
    """Expires due orders, then sleeps until the next `expires_at` or `poll_interval`
    (orders placed meanwhile are seen within it), whichever is sooner; `stop()` wakes it.
    A database outage is logged and retried after `poll_interval`."""

    def __init__(self, db: Database, *, poll_interval: float = 5.0, batch_size: int = 100):
        self.db, self.poll_interval, self.batch_size = db, poll_interval, batch_size
        self._stopping = threading.Event()
        self.expired = 0

    def stop(self) -> None:
        self._stopping.set()

    def run_once(self) -> float:
        """One pass; returns how long to sleep before the next."""
        n = expire_due_orders(self.db, utcnow(), self.batch_size)
        self.expired += n
        if n >= self.batch_size:
            return 0.0  # more may be due
        due = next_expiry(self.db)
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.0, (due - utcnow()).total_seconds()))

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                wait = self.run_once()
            except SQLAlchemyError as exc:
                log.warning("expiring orders failed, retrying: %r", exc)
                wait = self.poll_interval
            self._stopping.wait(wait)
