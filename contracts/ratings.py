"""The rating event: feedback on an event was created, changed or deleted."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class RatingChanged(DomainEvent):
    """A feedback was created, updated or deleted (`rating` is None when deleted)."""

    routing_key: ClassVar[str] = "rating.changed"
    aggregate_type: ClassVar[str] = "event"

    event_id: int
    feedback_id: int
    user_id: int
    change: str
    rating: int | None
    previous_rating: int | None
    changed_at: str
