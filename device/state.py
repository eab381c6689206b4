"""The player's state. What goes on the wire is `contracts.speakers.SpeakerStateReported`,
built from it by the agent."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class PlayerState:
    status: str = "idle"
    title: str | None = None
    artist: str | None = None
    thumbnail_url: str | None = None
    query: str | None = None
    source_url: str | None = None
    position_ms: int = 0
    duration_ms: int | None = None
    volume: int = 100
    error: str | None = None
    command_id: str | None = None  # the last command that changed this state
    queue_item_id: int | None = None  # the queue item playing (None: a song played as such)
    group_play_id: str | None = None  # the group queue's play this is: its end is reported

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
