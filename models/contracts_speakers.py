"""Speaker contracts: commands the API records for one device (`speaker.<id>.<command>`)
and the state a device reports (`speaker.<id>.state`, published by the agent itself).

Commands are imperative (they ask a device to act), carry a `command_id` the device
deduplicates on and an `expires_at` after which the device drops them.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any, ClassVar

from models.base import utcnow
from models.contracts import DomainEvent, cloud_type, register

DEFAULT_COMMAND_TTL = timedelta(seconds=30)
STATUSES = ("idle", "loading", "playing", "paused", "stopped", "error")


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
    now = utcnow()
    return COMMAND_CLASSES[command](speaker_id=speaker_id, command_id=command_id,
                                    issued_at=now.isoformat(),
                                    expires_at=(now + ttl).isoformat(), **fields)
