"""Ticketing event contracts: orders placed, completed, expired and cancelled, attendees
checked in and out. Fields added later (`status`, `expires_at`, `previous_status`,
`amount` of a cancel) may be missing from messages published before them: consumers
read them with a default (placed and cancelled orders were all completed then)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    """An order committed: `lines` are `{ticket_id, quantity}`; one attendee id per unit.
    `status` is completed (free, or paid on site), pending (holds its units until
    `expires_at`) or placed (an offline payment promised; no expiry)."""

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
    status: str
    expires_at: str | None


@register
@dataclasses.dataclass(frozen=True)
class OrderCompleted(DomainEvent):
    """A pending or placed order was paid: marked by `completed_by_id` (the event's owner
    or an admin), or by a payment provider (`completed_by_id` null, `payment_id` set)."""

    routing_key: ClassVar[str] = "order.completed"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    event_id: int
    user_id: int
    previous_status: str
    amount: str
    lines: list[dict]
    completed_by_id: int | None
    payment_id: int | None
    completed_at: str


@register
@dataclasses.dataclass(frozen=True)
class OrderExpired(DomainEvent):
    """A pending order was not paid by its `expires_at`: its units, discount uses and
    attendees were released."""

    routing_key: ClassVar[str] = "order.expired"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    event_id: int
    user_id: int
    amount: str
    lines: list[dict]
    attendee_ids: list[int]
    expired_at: str


@register
@dataclasses.dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    """An order was cancelled from `previous_status`: its units went back on sale. Each
    line also says how many of its attendees had checked in and how many were inside
    (they count no more)."""

    routing_key: ClassVar[str] = "order.cancelled"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    event_id: int
    user_id: int
    lines: list[dict]
    attendee_ids: list[int]
    cancelled_at: str
    previous_status: str
    amount: str


@register
@dataclasses.dataclass(frozen=True)
class OrderTicketsRequested(DomainEvent):
    """The buyer or an organizer asked for a completed order's tickets to be mailed
    again: `request_id` makes it a mail of its own (the first mail is the order's)."""

    routing_key: ClassVar[str] = "order.tickets_requested"
    aggregate_type: ClassVar[str] = "order"

    order_id: int
    request_id: str
    requested_by_id: int
    requested_at: str


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


@register
@dataclasses.dataclass(frozen=True)
class StaffInvited(DomainEvent):
    """An address was invited (again) to be an event's staff; the mail consumer mails it
    the signed, single-use acceptance link."""

    routing_key: ClassVar[str] = "staff.invited"
    aggregate_type: ClassVar[str] = "invitation"

    invitation_id: int
    event_id: int
    invited_at: str
