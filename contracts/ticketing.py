"""Ticketing event contracts: orders placed and cancelled, attendees checked in and out."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    """An order committed: `lines` are `{ticket_id, quantity}`; one attendee id per unit."""

    routing_key: ClassVar[str] = "order.placed"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    event_id: int
    user_id: int
    payment_mode: str
    amount: str
    discount_code_id: int | None
    lines: list[dict]
    attendee_ids: list[int]
    placed_at: str


@register
@dataclasses.dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    """An order was cancelled: its units went back on sale. Each line also says how many
    of its attendees had checked in and how many were inside (they count no more)."""

    routing_key: ClassVar[str] = "order.cancelled"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    event_id: int
    user_id: int
    lines: list[dict]
    attendee_ids: list[int]
    cancelled_at: str


@register
@dataclasses.dataclass(frozen=True)
class AttendeeCheckedIn(DomainEvent):
    """An entry scan. `was_inside`: the attendee was already in (a repeated scan);
    `first_check_in`: the attendee's first entry ever."""

    routing_key: ClassVar[str] = "attendee.checked_in"
    aggregate_type: ClassVar[str] = "attendee"

    attendee_id: int
    event_id: int
    ticket_id: int
    scan_id: int
    device_name: str | None
    checked_in_at: str
    first_check_in: bool
    was_inside: bool


@register
@dataclasses.dataclass(frozen=True)
class AttendeeCheckedOut(DomainEvent):
    """An exit scan (`was_inside` false when the attendee had already left)."""

    routing_key: ClassVar[str] = "attendee.checked_out"
    aggregate_type: ClassVar[str] = "attendee"

    attendee_id: int
    event_id: int
    ticket_id: int
    scan_id: int
    device_name: str | None
    checked_out_at: str
    was_inside: bool
