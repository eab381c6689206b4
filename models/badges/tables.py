"""Badges (a PDF rendered for rows or an event's attendees) (their one mail: models/mail/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

BADGE_STATUSES = ("pending", "generated", "failed")


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


class BadgeTemplate(Base):
    """A saved badge design, owned by a user and optionally tied to one event (whose
    attendees' badges it is for). `template` is the cleaned template (printing.template)."""

    __tablename__ = "badge_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeImage(Base):
    """An uploaded image, re-encoded (nothing of the sent file is kept) and stored under
    the badge storage; `focus_x`/`focus_y` (0..1) is the point a cover crop keeps."""

    __tablename__ = "badge_images"
    __table_args__ = (
        CheckConstraint("focus_x >= 0 AND focus_x <= 1 AND focus_y >= 0 AND focus_y <= 1",
                        name="focus_inside"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    file_path: Mapped[str] = mapped_column(String(1024))
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    focus_x: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    focus_y: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
