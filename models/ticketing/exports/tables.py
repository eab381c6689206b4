"""An export job: asked for by the event's owner or staff, written by the exports
consumer, downloaded by the one who asked (while still owner or staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime, utcnow

EXPORT_KINDS = ("attendees", "orders", "check-ins")
EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_STATUSES = ("requested", "done", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Export(Base):
    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(_one_of("kind", EXPORT_KINDS), name="export_kind_known"),
        CheckConstraint(_one_of("format", EXPORT_FORMATS), name="export_format_known"),
        CheckConstraint(_one_of("status", EXPORT_STATUSES), name="export_status_known"),
        CheckConstraint("(status = 'done') = (file_path IS NOT NULL)",
                        name="export_done_has_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="requested",
                                        server_default="requested")
    file_path: Mapped[str | None] = mapped_column(String(1024))
    row_count: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    failure_reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
