"""The one record of every mail: its intent is committed before the SMTP hand-over, its
outcome right after (models/mail/intents.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

MAIL_STATUSES = ("held", "sending", "sent", "failed")


class Mail(Base):
    """One mail, named by `reference` (`<kind>:<what it is about>`, e.g. `badge:12`,
    `invitation:3:<nonce>`): the same reference is never mailed twice. `held`: its
    address is not verified yet (`user_id` names whose verification sends it)."""

    __tablename__ = "mails"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
