"""Speaker contracts: commands the API records for one device (`speaker.<id>.<command>`)
and the state a device reports (`speaker.<id>.state`, published by the agent itself).

Commands are imperative (they ask a device to act), carry a `command_id` the device
deduplicates on and an `expires_at` after which the device drops them.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from contracts.envelope import DomainEvent, cloud_type, register

DEFAULT_COMMAND_TTL = timedelta(seconds=30)
STATUSES = ("idle", "loading", "playing", "paused", "stopped", "error")
# a state message larger than this is dead-lettered unread (a real one is ~600 bytes)
MAX_STATE_BYTES = 4096


@dataclasses.dataclass(frozen=True)
class SpeakerCommand(DomainEvent):
    """Base of the five commands. `routing_key` is the binding pattern; `key()` the
    concrete key of this device."""

    aggregate_type: ClassVar[str] = "speaker"
    command: ClassVar[str]  # also in the routing key and the CloudEvents type
    consumer_queue: ClassVar[str] = "venuebus.speaker.<speaker_id> (the device's own queue)"

    speaker_id: int
    command_id: str
    issued_at: str
    expires_at: str

    def key(self) -> str:
        return f"speaker.{self.speaker_id}.{self.command}"

    @classmethod
    def event_type(cls) -> str:
        return cloud_type(f"speaker.{cls.command}")  # the pattern's `*` is no type

    def expiry(self) -> datetime:
        return _time(self.expires_at)

    def expired(self, now: datetime) -> bool:
        return now >= self.expiry()


@register
@dataclasses.dataclass(frozen=True)
class PlayOnSpeaker(SpeakerCommand):
    """Play `query`: a YouTube video id, a URL yt-dlp understands, or search words."""

    routing_key: ClassVar[str] = "speaker.*.play"
    command: ClassVar[str] = "play"
    query: str


@register
@dataclasses.dataclass(frozen=True)
class PauseSpeaker(SpeakerCommand):
    routing_key: ClassVar[str] = "speaker.*.pause"
    command: ClassVar[str] = "pause"


@register
@dataclasses.dataclass(frozen=True)
class ResumeSpeaker(SpeakerCommand):
    routing_key: ClassVar[str] = "speaker.*.resume"
    command: ClassVar[str] = "resume"


@register
@dataclasses.dataclass(frozen=True)
class StopSpeaker(SpeakerCommand):
    routing_key: ClassVar[str] = "speaker.*.stop"
    command: ClassVar[str] = "stop"


@register
@dataclasses.dataclass(frozen=True)
class SetSpeakerVolume(SpeakerCommand):
    routing_key: ClassVar[str] = "speaker.*.volume"
    command: ClassVar[str] = "volume"
    level: int


COMMAND_CLASSES: dict[str, type[SpeakerCommand]] = {
    c.command: c for c in (PlayOnSpeaker, PauseSpeaker, ResumeSpeaker, StopSpeaker,
                           SetSpeakerVolume)}
COMMANDS = tuple(COMMAND_CLASSES)


class BadCommand(ValueError):
    """A message that is not a valid command for this device: dropped, never retried."""


def command_queue(speaker_id: int | str) -> str:
    """The device's own queue, declared and bound by the backend."""
    return f"venuebus.speaker.{speaker_id}"


# The device's queue: quorum, one active consumer (a second agent for the device waits as
# standby). Declared and bound by the backend (consumers/provisioner.py); the device, which
# may configure nothing, declares it passively.
# the device's own queue: one active consumer (a second agent of the device waits as
# standby), and a message TTL so the broker drops a command nobody took within its
# expiry, whatever the device's clock says
COMMAND_QUEUE_ARGUMENTS = {"x-queue-type": "quorum", "x-single-active-consumer": True,
                           "x-message-ttl": int(DEFAULT_COMMAND_TTL.total_seconds() * 1000)}


def command_keys(speaker_id: int | str) -> tuple[str, ...]:
    return tuple(f"speaker.{speaker_id}.{c}" for c in COMMANDS)


def state_key(speaker_id: int | str) -> str:
    return f"speaker.{speaker_id}.state"


def state_source(speaker_id: int | str) -> str:
    """The CloudEvents `source` of a device's own messages."""
    return f"/venuebus/speaker/{speaker_id}"


def read_command(body: bytes, routing_key: str, speaker_id: int | str) -> SpeakerCommand:
    """The command in a CloudEvents body routed as `speaker.<speaker_id>.<command>`.
    Raises BadCommand on anything else (another device's, unknown, malformed fields)."""
    prefix, _, name = routing_key.rpartition(".")
    if prefix != f"speaker.{speaker_id}" or name not in COMMAND_CLASSES:
        raise BadCommand(f"not a command for speaker {speaker_id}: {routing_key}")
    cls = COMMAND_CLASSES[name]
    try:
        data = json.loads(body)["data"]
        command = cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})
        command.expiry()
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCommand(f"malformed {name} command: {exc}") from exc
    if not isinstance(command.command_id, str) or not command.command_id:
        raise BadCommand(f"{name} needs a command_id")
    if isinstance(command, PlayOnSpeaker) and \
            not (isinstance(command.query, str) and command.query.strip()):
        raise BadCommand("play needs a query")
    if isinstance(command, SetSpeakerVolume) and not (
            type(command.level) is int and 0 <= command.level <= 100):
        raise BadCommand("volume needs a level from 0 to 100")
    return command


def _time(raw: str) -> datetime:
    when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@register
@dataclasses.dataclass(frozen=True)
class SpeakerStateReported(DomainEvent):
    """What a device reports on every change and every few seconds while playing.
    Published by the agent directly (not through the outbox); documented here."""

    routing_key: ClassVar[str] = "speaker.*.state"
    aggregate_type: ClassVar[str] = "speaker"

    speaker_id: str
    status: str
    title: str | None
    query: str | None
    source_url: str | None
    position_ms: int
    duration_ms: int | None
    volume: int
    error: str | None
    command_id: str | None
    sequence: int
    reported_at: str

    def key(self) -> str:
        return f"speaker.{self.speaker_id}.state"

    @classmethod
    def event_type(cls) -> str:
        return cloud_type("speaker.state")  # what the agent sends


def new_command(command: str, speaker_id: int, command_id: str,
                ttl: timedelta = DEFAULT_COMMAND_TTL, **fields: Any) -> SpeakerCommand:
    """A command issued now, expiring after `ttl`."""
    now = datetime.now(UTC)
    return COMMAND_CLASSES[command](speaker_id=speaker_id, command_id=command_id,
                                    issued_at=now.isoformat(),
                                    expires_at=(now + ttl).isoformat(), **fields)


@dataclasses.dataclass(frozen=True)
class SpeakerLifecycle(DomainEvent):
    """Base of the registration events. They carry no secret: the provisioner reads the
    speaker's current row (or its absence) and makes the broker agree with it, so these
    events are idempotent and their order does not matter."""

    aggregate_type: ClassVar[str] = "speaker"

    speaker_id: int


@register
@dataclasses.dataclass(frozen=True)
class SpeakerRegistered(SpeakerLifecycle):
    """A speaker was registered: its broker user and command queue are to be created."""

    routing_key: ClassVar[str] = "speaker.registered"


@register
@dataclasses.dataclass(frozen=True)
class SpeakerTokenRotated(SpeakerLifecycle):
    """A speaker's device token changed: its broker password changes and its open
    connections are closed."""

    routing_key: ClassVar[str] = "speaker.token_rotated"


@register
@dataclasses.dataclass(frozen=True)
class SpeakerDeleted(SpeakerLifecycle):
    """A speaker was deleted: its broker user and queue go, its connections are closed."""

    routing_key: ClassVar[str] = "speaker.deleted"
