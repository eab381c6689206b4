"""Speakers: registration, the owner's view, commands (recorded in the outbox for the
device's queue) and the state devices report (stored by the speakers consumer)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contracts.speaker_queries import QueryRefused, classify_query
from contracts.speakers import (
    DEFAULT_COMMAND_TTL,
    MAX_LEVEL,
    MAX_POSITION_MS,
    STATUSES,
    SpeakerDeleted,
    SpeakerRegistered,
    SpeakerTokenRotated,
    new_command,
)
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.speakers.identity import broker_password_hash
from models.speakers.tables import Speaker

ONLINE_WITHIN = timedelta(seconds=45)  # the agent reports at least every 15 s
STATE_FIELDS = ("status", "title", "query", "source_url", "position_ms", "duration_ms",
                "volume", "error", "command_id", "queue_item_id", "artist", "thumbnail_url",
                "group_play_id")


@dataclass(frozen=True)
class IssuedCommand:
    command_id: str
    command: str
    speaker_id: int
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_online(speaker: Speaker, now: datetime | None = None) -> bool:
    seen = speaker.last_seen_at
    return seen is not None and (now or utcnow()) - seen <= ONLINE_WITHIN


def position_at(speaker: Speaker, now: datetime) -> int | None:
    """The song's position at `now` (server time): the reported one, moved on by the time
    since the server received it while playing, never past the song's duration. Devices
    report every few seconds, not every second."""
    state = speaker.state or {}
    position = state.get("position_ms")
    if position is None or state.get("status") != "playing" or speaker.state_received_at is None:
        return position
    moved = position + max(0, int((now - speaker.state_received_at).total_seconds() * 1000))
    duration = state.get("duration_ms")
    return min(moved, duration) if duration else moved


def _set_token(speaker: Speaker) -> str:
    """Give `speaker` a new device token (also its broker password); returns it."""
    token = secrets.token_urlsafe(32)
    speaker.token_hash = hash_token(token)
    speaker.broker_password_hash = broker_password_hash(token)
    return token


def register_speaker(db: Database, actor: User, name: str) -> tuple[Speaker, str]:
    """A new speaker owned by `actor` and its device token (returned here only). Records
    `speaker.registered`: the provisioner gives the device its broker user and queue.
    Every speaker is a broker user with a queue, so: Forbidden (`email_not_verified`)
    until the actor's address is verified, Conflict (`speaker_quota`) past
    `speakers_per_user`; nothing is created then. The quota holds under concurrency:
    registrations of one user are serialized on the user's row."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise Invalid("name must have 1 to 100 characters", code="invalid_name",
                      pointer="/data/attributes/name")
    with UnitOfWork(db) as uow:
        _check_may_register(uow.session, actor.id, db.config.speakers_per_user)
        speaker = Speaker(owner_id=actor.id, name=name)
        token = _set_token(speaker)
        uow.session.add(speaker)
        uow.session.flush()
        uow.record(SpeakerRegistered(speaker_id=speaker.id))
        uow.commit()
        return speaker, token


def _check_may_register(session: Session, user_id: int, quota: int) -> None:
    owner = session.scalar(select(User).where(User.id == user_id).with_for_update()
                           .execution_options(populate_existing=True))
    if owner is None or owner.email_verified_at is None:
        raise Forbidden("Verify your email address before registering a speaker",
                        code="email_not_verified")
    owned = session.scalar(select(func.count()).select_from(Speaker)
                           .where(Speaker.owner_id == user_id))
    if owned >= quota:
        raise Conflict(f"You already have {owned} speakers; at most {quota} per user",
                       code="speaker_quota")


def rotate_speaker_token(db: Database, actor: User, speaker_id: int) -> tuple[Speaker, str]:
    """A new device token for the owner's speaker (returned here only); the old one stops
    working at the API at once and at the broker once the provisioner has handled
    `speaker.token_rotated` (it also closes the device's open connections)."""
    with UnitOfWork(db) as uow:
        speaker = _own_speaker(uow.session, actor, speaker_id, lock=True)
        token = _set_token(speaker)
        uow.record(SpeakerTokenRotated(speaker_id=speaker.id))
        uow.commit()
        return speaker, token


def delete_speaker(db: Database, actor: User, speaker_id: int) -> None:
    """Delete the owner's speaker. Records `speaker.deleted`: the provisioner removes its
    broker user and queue and closes its connections."""
    with UnitOfWork(db) as uow:
        speaker = _own_speaker(uow.session, actor, speaker_id, lock=True)
        uow.session.delete(speaker)
        uow.record(SpeakerDeleted(speaker_id=speaker_id))
        uow.commit()


def checked_query(db: Database, query: Any) -> str:
    """`query` as a play takes it (a YouTube id or URL, a URL on an allowed media host, or
    search words). Invalid (422 invalid_query) otherwise."""
    try:
        return classify_query(query, db.config.speaker_media_hosts).query
    except QueryRefused as exc:
        raise Invalid(f"query must be a YouTube id or URL, a URL on an allowed media "
                      f"host, or search words: {exc}", code="invalid_query",
                      pointer="/query") from None


def _own_speaker(session: Session, actor: User, speaker_id: int, *,
                 lock: bool = False) -> Speaker:
    speaker = session.get(Speaker, speaker_id, with_for_update=lock)
    if speaker is None or (speaker.owner_id != actor.id and not actor.is_admin):
        # one answer for both: speaker ids must not tell others which devices exist
        raise NotFound("Speaker not found", code="speaker_not_found")
    return speaker


def view_speaker(db: Database, actor: User, speaker_id: int) -> Speaker:
    with db.session() as session:
        return _own_speaker(session, actor, speaker_id)


def command_fields(db: Database, command: str, *, query: Any = None, level: Any = None,
                   position_ms: Any = None) -> dict[str, Any]:
    """The checked fields of `command` (play's query, volume's level, seek's position);
    Invalid (422) with a pointer otherwise."""
    fields: dict[str, Any] = {}
    if command == "play":
        fields["query"] = checked_query(db, query)
    elif command == "volume":
        if isinstance(level, bool) or not isinstance(level, int) or \
                not 0 <= level <= MAX_LEVEL:
            raise Invalid(f"level must be an integer from 0 to {MAX_LEVEL}",
                          code="invalid_level", pointer="/level")
        fields["level"] = level
    elif command == "seek":
        if isinstance(position_ms, bool) or not isinstance(position_ms, int) or \
                not 0 <= position_ms <= MAX_POSITION_MS:
            raise Invalid(f"position-ms must be an integer from 0 to {MAX_POSITION_MS}",
                          code="invalid_position", pointer="/position-ms")
        fields["position_ms"] = position_ms
    return fields


def command_speaker(db: Database, actor: User, speaker_id: int, command: str, *,
                    query: str | None = None, level: Any = None, position_ms: Any = None,
                    ttl: timedelta = DEFAULT_COMMAND_TTL) -> IssuedCommand:
    """Record `command` for the speaker's device in the outbox (routed as
    `speaker.<id>.<command>`). The device drops it after `ttl` and never acts on one
    command id twice. NotFound for an unknown or a foreign speaker alike."""
    fields = command_fields(db, command, query=query, level=level, position_ms=position_ms)
    command_id = str(uuid.uuid4())
    with UnitOfWork(db) as uow:
        _own_speaker(uow.session, actor, speaker_id)
        event = new_command(command, speaker_id, command_id, ttl=ttl, **fields)
        uow.record(event)
        uow.commit()
    return IssuedCommand(command_id, command, speaker_id,
                         datetime.fromisoformat(event.expires_at))


def _reported_at(data: dict[str, Any]) -> datetime:
    when = datetime.fromisoformat(str(data["reported_at"]).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("reported_at without a time zone")
    return when


def parse_state(data: dict[str, Any]) -> tuple[datetime, int, dict[str, Any]]:
    """(reported_at, sequence, state) of a `speaker.<id>.state` payload. Raises ValueError
    on a malformed one."""
    state = {k: data.get(k) for k in STATE_FIELDS}
    if state["status"] not in STATUSES:
        raise ValueError(f"unknown status {state['status']!r}")
    for key in ("position_ms", "duration_ms", "volume", "queue_item_id"):
        if state[key] is not None and not isinstance(state[key], int):
            raise ValueError(f"{key} must be an integer")
    if state["group_play_id"] is not None and (not isinstance(state["group_play_id"], str)
                                               or len(state["group_play_id"]) > 36):
        raise ValueError("group_play_id must be a command id")
    for key in ("title", "artist", "thumbnail_url"):
        if state[key] is not None and (not isinstance(state[key], str) or len(state[key]) > 1000):
            raise ValueError(f"{key} must be a string of at most 1000 characters")
    if state["thumbnail_url"] is not None and not state["thumbnail_url"].startswith("https://"):
        raise ValueError("thumbnail_url must be an https URL")  # shown as <img> on remotes
    return _reported_at(data), int(data.get("sequence") or 0), state


def record_speaker_state(session: Session, speaker_id: int, data: dict[str, Any],
                         received_at: datetime) -> bool:
    """Store a state the server received at `received_at` unless the speaker already has
    one received later (ties: the device's sequence). The device's own `reported_at` is
    kept for display only: a Pi's clock may be anything. `last_seen_at` becomes the
    latest receive time. False when ignored (older, or unknown speaker). Raises
    ValueError on a malformed payload."""
    reported_at, sequence, state = parse_state(data)
    speaker = session.scalar(select(Speaker).where(Speaker.id == speaker_id)
                             .with_for_update())
    if speaker is None:
        return False  # deleted meanwhile: nothing to keep
    if speaker.last_seen_at is None or received_at > speaker.last_seen_at:
        speaker.last_seen_at = received_at
    if speaker.state_received_at is not None and (received_at, sequence) <= (
            speaker.state_received_at, speaker.state_sequence or 0):
        return False
    speaker.state = state
    speaker.state_status = state["status"]
    speaker.state_reported_at = reported_at
    speaker.state_received_at = received_at
    speaker.state_sequence = sequence
    return True


def speaker_token_matches(db: Database, owner: User, speaker_id: int, token: str) -> bool:
    """True when `speaker_id` exists, belongs to `owner` and `token` is its device token."""
    import hmac

    with db.session() as session:
        speaker = session.get(Speaker, speaker_id)
    return (speaker is not None and speaker.owner_id == owner.id
            and hmac.compare_digest(speaker.token_hash, hash_token(token)))


def broker_password_hash_of(session: Session, speaker_id: int) -> str | None:
    """The broker password hash of an existing speaker whose owner is active; None when
    it is gone, its owner deactivated (or it was registered before speakers had broker
    identities)."""
    return session.scalar(select(Speaker.broker_password_hash)
                          .join(User, User.id == Speaker.owner_id)
                          .where(Speaker.id == speaker_id, User.is_active.is_(True)))


def speaker_ids_of(session: Session, owner_id: int) -> list[int]:
    """The ids of `owner_id`'s speakers."""
    return list(session.scalars(select(Speaker.id).where(Speaker.owner_id == owner_id)
                                .order_by(Speaker.id)))
