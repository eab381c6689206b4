"""Persistence for delivery: the outbox the relay drains and the consumers' tracking rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, func, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

NOTIFY_CHANNEL = "venuebus_outbox"  # the outbox_notify trigger NOTIFYs it on insert


class OutboxMessage(Base):
    """One domain event waiting for (or past) publication. `id` orders events;
    `aggregate` groups events whose relative order must be kept."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        # pruning finds published rows past their retention by it
        Index(
            "ix_outbox_published_at",
            "published_at",
            postgresql_where=text("published_at IS NOT NULL"),
            sqlite_where=text("published_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    routing_key: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))  # CloudEvents / AMQP `type`
    aggregate: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # publications the broker answered (its confirm, and every refusal before it)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # set when the broker refused the row `outbox_max_attempts` times: the relay skips it
    # (and no longer holds back its aggregate) until an operator replays it
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedMessage(Base):
    """Tracking row written in the same transaction as a consumer's effect."""

    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def outbox_lag(session) -> tuple[int, float]:
    """Rows waiting for the relay (unpublished, not quarantined) and the age in seconds
    of the oldest one (0 when none)."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.published_at.is_(None), OutboxMessage.quarantined_at.is_(None))
    ).one()
    if not count or oldest is None:
        return 0, 0.0
    return int(count), max(0.0, (utcnow() - oldest).total_seconds())


def count_quarantined(session) -> int:
    """How many rows the relay has set aside (see `quarantined`)."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.quarantined_at.is_not(None))) or 0)


def quarantined(session) -> list[OutboxMessage]:
    """Rows the broker kept refusing, oldest first."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.quarantined_at.is_not(None)).order_by(OutboxMessage.id)))


def release_quarantined(session, row_id: int | None = None) -> int:
    """Give quarantined rows (all, or the row `row_id`) back to the relay; the caller
    commits. Their attempts keep counting: a row refused again goes straight back to
    quarantine. Returns how many rows were released."""
    stmt = update(OutboxMessage).where(OutboxMessage.quarantined_at.is_not(None)).values(
        quarantined_at=None)
    if row_id is not None:
        stmt = stmt.where(OutboxMessage.id == row_id)
    return session.execute(stmt).rowcount
