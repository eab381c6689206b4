"""Check-in lists (pretix's model): which tickets a desk admits, and when; and the conflicts
offline desks leave. Every event has one default list (migration 1500, or made on first
use) that admits as the door always did."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

SALT_BYTES = 16


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


class CheckInList(Base):
    __tablename__ = "check_in_lists"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until",
                        name="window_ordered"),
        # the default list is today's door: what the organizer app's routes scan against
        # without naming a list (so they need no look-up of its rules)
        CheckConstraint("NOT is_default OR (all_tickets AND allow_re_entry AND "
                        "entry_after_exit AND NOT admits_pending AND valid_from IS NULL "
                        "AND valid_until IS NULL)", name="default_admits_as_before"),
        Index("ix_check_in_lists_one_default", "event_id", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    all_tickets: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_re_entry: Mapped[bool] = mapped_column(Boolean, default=True)
    entry_after_exit: Mapped[bool] = mapped_column(Boolean, default=True)
    admits_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # hashes the codes a desk keeps (sync): a copied desk holds no code that opens a door
    salt: Mapped[str] = mapped_column(String(32), default=new_salt)
    # bumped when the rules or tickets change: a desk's cursor of another revision resyncs
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckInListTicket(Base):
    __tablename__ = "check_in_list_tickets"

    list_id: Mapped[int] = mapped_column(ForeignKey("check_in_lists.id", ondelete="CASCADE"),
                                         primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)


CONFLICT_KINDS = ("double_entry", "refused_after_admitted")


class CheckInConflict(Base):
    """An offline desk's admission the server could not take as it was: `double_entry`
    (another desk's entry, with no exit between: both scans kept, `scan_id` and
    `other_scan_id`), or `refused_after_admitted` (the rules refuse it now, `reason`:
    e.g. the ticket was cancelled meanwhile; no scan recorded). One per (attendee, nonce):
    a resent upload adds none."""

    __tablename__ = "check_in_conflicts"
    __table_args__ = (
        UniqueConstraint("attendee_id", "nonce"),
        CheckConstraint("kind IN ('double_entry', 'refused_after_admitted')",
                        name="kind_known"),
        CheckConstraint("(kind = 'double_entry') = (scan_id IS NOT NULL AND "
                        "other_scan_id IS NOT NULL)", name="double_entry_has_both_scans"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    list_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_in_lists.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32))
    device_name: Mapped[str | None] = mapped_column(String(255))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nonce: Mapped[str] = mapped_column(String(128))
    scan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("check_in_scans.id", ondelete="CASCADE"))
    other_scan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("check_in_scans.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
