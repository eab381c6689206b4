"""Badges (a PDF rendered for rows or an event's attendees) and the one mail sent per badge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

BADGE_STATUSES = ("pending", "generated", "failed")
MAIL_STATUSES = ("sending", "sent", "failed")


class Badge(Base):
    """One badge request: `rows` is the snapshot taken at request time (what was paid for),
    `count` the usage taken for it; `file_path` is set once the PDF is rendered."""

    __tablename__ = "badges"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'generated', 'failed')", name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint("status != 'generated' OR file_path IS NOT NULL",
                        name="generated_has_file"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"),
                                                 index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending",
                                        server_default="pending")
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer)
    file_path: Mapped[str | None] = mapped_column(String(1024))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeMail(Base):
    """The one mail of a badge. `sending` is written (own transaction) before the SMTP
    call; a redelivery that finds it never sends again. `held`: the owner's address is
    not verified yet; it goes once they verify it."""

    __tablename__ = "badge_mails"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"),
                                          unique=True)
    recipient: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
