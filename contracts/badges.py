"""Event contracts of badges (their mail: contracts/mail.py)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class BadgeRequested(DomainEvent):
    """Usage was taken and a badge record is pending; the badges consumer renders it."""

    routing_key: ClassVar[str] = "badge.requested"
    aggregate_type: ClassVar[str] = "badge"

    badge_id: int
    owner_id: int
    event_id: int | None
    count: int
    requested_at: str


@register
@dataclasses.dataclass(frozen=True)
class BadgeGenerated(DomainEvent):
    """The badge's PDF is in storage; the mail consumer tells its owner."""

    routing_key: ClassVar[str] = "badge.generated"
    aggregate_type: ClassVar[str] = "badge"

    badge_id: int
    owner_id: int
    page_count: int
    size_bytes: int
    generated_at: str
