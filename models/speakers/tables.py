"""Smart speakers registered by users, with the last state each one reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from models.core.base import Base, UTCDateTime, utcnow


class Speaker(Base):
    """`token_hash` is the SHA-256 of the device token (a 256-bit random secret, so a
    fast hash is enough); the token itself is shown once, at registration."""

    __tablename__ = "speakers"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            "state_status IS NULL OR state_status IN "
            "('idle', 'loading', 'playing', 'paused', 'stopped', 'error')",
            name="state_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the broker's own salted hash of the token (models/speakers/identity.py)
    broker_password_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the last state the device reported: newest by the server's receive time, then the
    # device's sequence; state_reported_at is the device's own clock, for display only
    state_status: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_sequence: Mapped[int | None] = mapped_column(Integer)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueueSettings:
    """A queue's settings and where it stands, a speaker's or a group's. `current_item_id`
    is the item the backend last told the device(s) to play (their reports say what they
    play now); `version` counts changes, so a device ignores an older copy."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (CheckConstraint("repeat IN ('off', 'one', 'all')", name="repeat_known"),)

    current_item_id: Mapped[int | None] = mapped_column(Integer)
    repeat: Mapped[str] = mapped_column(String(3), default="off")
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class SpeakerQueue(QueueSettings, Base):
    """A speaker's queue settings and where it stands."""

    __tablename__ = "speaker_queues"

    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True)


class SpeakerQueueItem(Base):
    """One song in a speaker's queue: `position` orders the list (dense from 0),
    `shuffle_rank` orders play while shuffle is on."""

    __tablename__ = "speaker_queue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    shuffle_rank: Mapped[float] = mapped_column(Float, default=0.0)
    query: Mapped[str] = mapped_column(String(500))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpeakerGroup(Base):
    """Speakers that play together, owned like speakers."""

    __tablename__ = "speaker_groups"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpeakerGroupMember(Base):
    """The speaker is the key: a speaker belongs to at most one group at a time."""

    __tablename__ = "speaker_group_members"

    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("speaker_groups.id", ondelete="CASCADE"), index=True)


class SpeakerGroupQueue(QueueSettings, Base):
    """A group's own queue, played on every member together. `playing_command_id` is the
    group play the backend last sent, of `playing_item_id`: the first member to report
    that play ended advances the queue, once (models/speakers/group_queue.py)."""

    __tablename__ = "speaker_group_queues"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("speaker_groups.id", ondelete="CASCADE"), primary_key=True)
    playing_command_id: Mapped[str | None] = mapped_column(String(36))
    playing_item_id: Mapped[int | None] = mapped_column(Integer)


class SpeakerGroupQueueItem(Base):
    """One song in a group's queue, ordered as a speaker's queue items are."""

    __tablename__ = "speaker_group_queue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("speaker_groups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    shuffle_rank: Mapped[float] = mapped_column(Float, default=0.0)
    query: Mapped[str] = mapped_column(String(500))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuestRequestLink(Base):
    """Guest requests switched on for a speaker or a group (exactly one of the two): the
    public link's random token (it is printed on posters, so kept as is, not hashed);
    `ended_at` ends the link for good."""

    __tablename__ = "guest_request_links"
    __table_args__ = (
        CheckConstraint("mode IN ('auto', 'approve')", name="mode_known"),
        CheckConstraint("(speaker_id IS NULL) <> (group_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("speaker_groups.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GuestRequest(Base):
    """A song a guest asked for: `guest_key` is the hash of the guest's cookie."""

    __tablename__ = "guest_requests"
    __table_args__ = (CheckConstraint("status IN ('pending', 'queued', 'rejected')",
                                      name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("guest_request_links.id",
                                                    ondelete="CASCADE"), index=True)
    guest_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuestBan(Base):
    """A query the owner banned from a speaker's or a group's guest requests (compared
    folded)."""

    __tablename__ = "guest_bans"
    __table_args__ = (
        UniqueConstraint("speaker_id", "query"),
        UniqueConstraint("group_id", "query"),
        CheckConstraint("(speaker_id IS NULL) <> (group_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("speaker_groups.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(String(500))
