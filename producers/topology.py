"""The one description of the broker topology: which queue gets which routing keys.
Whoever starts first (relay or consumer) declares all of it, so no event published
before a consumer's first start is lost."""

from __future__ import annotations

EXCHANGE = "venuebus.events"
QUEUE_PREFIX = "venuebus."

# consumer name -> the routing keys (topic patterns) its queue is bound to
QUEUES: dict[str, tuple[str, ...]] = {
    "ratings": ("rating.changed",),
    "speakers": ("speaker.*.state",),
    "stats": ("order.placed", "order.cancelled", "attendee.checked_in", "attendee.checked_out"),
    "badges": ("badge.requested",),
    "mail": ("badge.generated",),
}


def queue_name(consumer: str) -> str:
    return QUEUE_PREFIX + consumer


def dead_queue(consumer: str) -> str:
    return queue_name(consumer) + ".dead"


def retry_queue(consumer: str, step: int) -> str:
    return f"{queue_name(consumer)}.retry.{step}"
