"""A buyer's own orders, newest first, for the "my tickets" page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from models.accounts.tables import User
from models.catalog.tables import Event
from models.core.db import Database
from models.ticketing.tables import Attendee, Order

MY_ORDERS_SHOWN = 50


@dataclass(frozen=True)
class MyOrder:
    identifier: str
    event_name: str
    starts_at: datetime
    status: str
    attendees: int

    @property
    def has_tickets(self) -> bool:
        return self.status == "completed"


def list_my_orders(db: Database, actor: User) -> list[MyOrder]:
    """The actor's latest orders (at most MY_ORDERS_SHOWN), each with its event."""
    people = (select(func.count()).where(Attendee.order_id == Order.id,
                                         Attendee.is_cancelled.is_(False))
              .correlate(Order).scalar_subquery())
    stmt = (select(Order.identifier, Event.name, Event.starts_at, Order.status, people)
            .join(Event, Event.id == Order.event_id).where(Order.user_id == actor.id)
            .order_by(Order.created_at.desc(), Order.id.desc()).limit(MY_ORDERS_SHOWN))
    with db.session() as s:
        return [MyOrder(*row) for row in s.execute(stmt).all()]
