"""Consumers waiting for a peer their effects need (the broker's management API for the
speaker provisioner): one row per waiting consumer, written by the consumer itself, read
by `/ops` and `venuebus status`. A wait is not a failure: the messages stay unacked in
their queue and cost no attempt, so an operator needs to see that something waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime, utcnow
from models.core.db import Database

# the waiting consumer refreshes its row at least once a minute; older rows are stale
# (its process died while waiting) and are not shown
FRESH_WITHIN = timedelta(minutes=3)
WHAT = {"provisioner": "speaker provisioning"}  # how operators call what a consumer does


class ConsumerWait(Base):
    __tablename__ = "consumer_waits"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Waiting:
    consumer: str
    reason: str
    since: datetime

    def __str__(self) -> str:
        return f"{WHAT.get(self.consumer, self.consumer)} waiting: {self.reason}"


def record_wait(db: Database, consumer: str, reason: str) -> None:
    """`consumer` waits for `reason` (still, or again): creates or refreshes its row."""
    now = utcnow()
    with db.session() as session, session.begin():
        row = session.get(ConsumerWait, consumer, with_for_update=True)
        if row is None:
            session.add(ConsumerWait(consumer=consumer, reason=reason[:200], since=now,
                                     checked_at=now))
        else:
            row.reason, row.checked_at = reason[:200], now


def clear_wait(db: Database, consumer: str) -> None:
    with db.session() as session, session.begin():
        session.execute(delete(ConsumerWait).where(ConsumerWait.consumer == consumer))


def current_waits(session: Session) -> list[Waiting]:
    """The consumers waiting now (rows refreshed within FRESH_WITHIN), by name."""
    rows = session.scalars(select(ConsumerWait)
                           .where(ConsumerWait.checked_at >= utcnow() - FRESH_WITHIN)
                           .order_by(ConsumerWait.consumer))
    return [Waiting(r.consumer, r.reason, r.since) for r in rows]
