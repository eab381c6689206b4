"""Event contracts of exports: an organiser asked for a file of an event's lists."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class ExportRequested(DomainEvent):
    """An export record is `requested`; the exports consumer writes its file (`kind`
    attendees, orders or check-ins; `format` csv or xlsx) and marks it done."""

    routing_key: ClassVar[str] = "export.requested"
    aggregate_type: ClassVar[str] = "export"

    export_id: int
    event_id: int
    requested_by_id: int
    kind: str
    format: str
    requested_at: str
