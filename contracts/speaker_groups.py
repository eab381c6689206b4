"""Speaker groups on the wire: a group's commands are the speaker commands with a
`group_id`, routed `speaker_group.<id>.<command>`; the backend binds each member's own
queue to those keys, so a device still reads only its own queue."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register
from contracts.speakers import COMMAND_CLASSES


@register
@dataclasses.dataclass(frozen=True)
class SpeakerGroupChanged(DomainEvent):
    """A group was made, changed or deleted: `speaker_ids` are its members now (none when
    deleted), `removed_speaker_ids` those that left. The backend binds each member's own
    queue to `speaker_group.<id>.*` and unbinds those that left."""

    routing_key: ClassVar[str] = "speaker_group.changed"
    aggregate_type: ClassVar[str] = "speaker_group"

    speaker_group_id: int
    speaker_ids: list
    removed_speaker_ids: list


@register
@dataclasses.dataclass(frozen=True)
class SpeakerGroupQueueChanged(DomainEvent):
    """A group's queue changed (`change`: added, removed, moved, cleared, shuffled,
    repeat, jumped, advanced, ended); `version` counts the changes. The members get
    no copy of the list: each of the group's songs reaches them as a group play."""

    routing_key: ClassVar[str] = "speaker_group.queue_changed"
    aggregate_type: ClassVar[str] = "speaker_group"

    speaker_group_id: int
    version: int
    change: str
    item_count: int
    current_item_id: int | None
    changed_at: str


def group_keys(group_id: int | str) -> tuple[str, ...]:
    """The keys a member's queue is bound to for its group."""
    return tuple(f"speaker_group.{group_id}.{c}" for c in COMMAND_CLASSES)
