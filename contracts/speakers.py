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

    speaker_id: int  # 0 in a group's command
    command_id: str
    issued_at: str
    expires_at: str
    # a group's command reaches every member's own queue through a binding the backend
    # made (`speaker_group.<id>.<command>`); `start_at` (server time) starts them together
    group_id: int | None = dataclasses.field(default=None, kw_only=True)
    start_at: str | None = dataclasses.field(default=None, kw_only=True)

    def key(self) -> str:
        if self.group_id is not None:
            return f"speaker_group.{self.group_id}.{self.command}"
        return f"speaker.{self.speaker_id}.{self.command}"

    @property
    def subject(self) -> str:
        if self.group_id is not None:
            return f"speaker_group/{self.group_id}"
        return super().subject

    @classmethod
    def event_type(cls) -> str:
        return cloud_type(f"speaker.{cls.command}")  # the pattern's `*` is no type

    def expiry(self) -> datetime:
        return _time(self.expires_at)

    def start_time(self) -> datetime | None:
        return _time(self.start_at) if self.start_at else None

    def expired(self, now: datetime) -> bool:
        return now >= self.expiry()


@register
@dataclasses.dataclass(frozen=True)
class PlayOnSpeaker(SpeakerCommand):
    """Play `query`: a YouTube video id, a URL yt-dlp understands, or search words. A
    group's queue plays its items with `group_item_id`: the device then reports the play
    (`group_play_id`) and, when it ends, waits for the backend's next group play instead
    of going on by itself; `prefetch` is the query that follows, to resolve ahead."""

    routing_key: ClassVar[str] = "speaker.*.play"
    command: ClassVar[str] = "play"
    query: str
    group_item_id: int | None = dataclasses.field(default=None, kw_only=True)
    prefetch: str | None = dataclasses.field(default=None, kw_only=True)


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
class SeekSpeaker(SpeakerCommand):
    """Jump to `position_ms` in the song playing (or paused)."""

    routing_key: ClassVar[str] = "speaker.*.seek"
    command: ClassVar[str] = "seek"
    position_ms: int


@register
@dataclasses.dataclass(frozen=True)
class SetSpeakerVolume(SpeakerCommand):
    routing_key: ClassVar[str] = "speaker.*.volume"
    command: ClassVar[str] = "volume"
    level: int


REPEAT_MODES = ("off", "one", "all")
MAX_POSITION_MS = 24 * 3600 * 1000
MAX_LEVEL = 100  # a volume, in percent


@register
@dataclasses.dataclass(frozen=True)
class SyncSpeakerQueue(SpeakerCommand):
    """The speaker's whole queue as the backend keeps it, in play order (`items`: dicts
    `{item_id, query}`). `start`: play `current_item_id` from its beginning now; else the
    device only keeps the list and plays from it when its present song ends. A device
    ignores a `version` older than the one it holds."""

    routing_key: ClassVar[str] = "speaker.*.queue"
    command: ClassVar[str] = "queue"
    version: int
    items: list
    current_item_id: int | None
    repeat: str
    start: bool


# the commands a remote sends as they are (POST /v1/speakers/<id>/<command>)
COMMAND_CLASSES: dict[str, type[SpeakerCommand]] = {
    c.command: c for c in (PlayOnSpeaker, PauseSpeaker, ResumeSpeaker, StopSpeaker,
                           SetSpeakerVolume, SeekSpeaker)}
COMMANDS = tuple(COMMAND_CLASSES)
# what reaches a device: those and the queue the backend keeps for it
DEVICE_COMMAND_CLASSES: dict[str, type[SpeakerCommand]] = {
    **COMMAND_CLASSES, SyncSpeakerQueue.command: SyncSpeakerQueue}


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
    return tuple(f"speaker.{speaker_id}.{c}" for c in DEVICE_COMMAND_CLASSES)


def state_key(speaker_id: int | str) -> str:
    return f"speaker.{speaker_id}.state"


def state_source(speaker_id: int | str) -> str:
    """The CloudEvents `source` of a device's own messages."""
    return f"/venuebus/speaker/{speaker_id}"


def read_command(body: bytes, routing_key: str, speaker_id: int | str) -> SpeakerCommand:
    """The command in a CloudEvents body routed as `speaker.<speaker_id>.<command>`.
    Raises BadCommand on anything else (another device's, unknown, malformed fields)."""
    prefix, _, name = routing_key.rpartition(".")
    group = prefix.startswith("speaker_group.") and name in COMMAND_CLASSES
    if (prefix != f"speaker.{speaker_id}" and not group) or name not in DEVICE_COMMAND_CLASSES:
        raise BadCommand(f"not a command for speaker {speaker_id}: {routing_key}")
    cls = DEVICE_COMMAND_CLASSES[name]
    try:
        data = json.loads(body)["data"]
        command = cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)
                         if f.name in data or f.default is dataclasses.MISSING})
        command.expiry()
        if command.start_at is not None:
            _time(command.start_at)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCommand(f"malformed {name} command: {exc}") from exc
    # a group's command only comes through the group's binding, and says so
    if group and prefix != f"speaker_group.{command.group_id}":
        raise BadCommand(f"group command routed as {routing_key} names group "
                         f"{command.group_id}")
    if not isinstance(command.command_id, str) or not command.command_id:
        raise BadCommand(f"{name} needs a command_id")
    if isinstance(command, PlayOnSpeaker) and not (
            isinstance(command.query, str) and command.query.strip()
            and (command.group_item_id is None or type(command.group_item_id) is int)
            and (command.prefetch is None or isinstance(command.prefetch, str))):
        raise BadCommand("play needs a query (and an integer group_item_id, a string "
                         "prefetch, if any)")
    if isinstance(command, SetSpeakerVolume) and not (
            type(command.level) is int and 0 <= command.level <= 100):
        raise BadCommand("volume needs a level from 0 to 100")
    if isinstance(command, SeekSpeaker) and not (
            type(command.position_ms) is int and 0 <= command.position_ms <= MAX_POSITION_MS):
        raise BadCommand(f"seek needs a position_ms from 0 to {MAX_POSITION_MS}")
    if isinstance(command, SyncSpeakerQueue):
        _check_queue(command)
    return command


def _check_queue(command: SyncSpeakerQueue) -> None:
    def is_int(value: Any) -> bool:
        return type(value) is int

    items = command.items
    if not (is_int(command.version) and isinstance(items, list) and all(
            isinstance(i, dict) and is_int(i.get("item_id")) and isinstance(i.get("query"), str)
            and i["query"].strip() for i in items)):
        raise BadCommand("queue needs a version and items of {item_id, query}")
    ids = {i["item_id"] for i in items}
    if command.current_item_id is not None and command.current_item_id not in ids:
        raise BadCommand("queue's current item is not in its items")
    if command.repeat not in REPEAT_MODES or type(command.start) is not bool:
        raise BadCommand("queue needs repeat off|one|all and a boolean start")


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
    queue_item_id: int | None = None  # the queue item playing (None: not from the queue)
    artist: str | None = None  # or the channel: yt-dlp's info, or the file's tags
    thumbnail_url: str | None = None  # https only
    group_play_id: str | None = None  # the group queue's play this is (its command id)

    def key(self) -> str:
        return f"speaker.{self.speaker_id}.state"

    @classmethod
    def event_type(cls) -> str:
        return cloud_type("speaker.state")  # what the agent sends


def new_command(command: str, speaker_id: int, command_id: str,
                ttl: timedelta = DEFAULT_COMMAND_TTL, **fields: Any) -> SpeakerCommand:
    """A command issued now, expiring after `ttl` (a group's: speaker_id 0, group_id)."""
    now = datetime.now(UTC)
    return DEVICE_COMMAND_CLASSES[command](speaker_id=speaker_id, command_id=command_id,
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


@register
@dataclasses.dataclass(frozen=True)
class SpeakerQueueChanged(DomainEvent):
    """A speaker's queue changed (`change`: added, removed, moved, cleared, shuffled,
    repeat, jumped); `version` counts the changes. Remotes and other consumers follow the
    queue on this; the device gets the whole queue as `speaker.<id>.queue`."""

    routing_key: ClassVar[str] = "speaker.queue_changed"
    aggregate_type: ClassVar[str] = "speaker"

    speaker_id: int
    version: int
    change: str
    item_count: int
    current_item_id: int | None
    changed_at: str

