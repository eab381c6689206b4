"""`venuebus consume stats`: per-event, per-ticket and per-device ticketing counts (sold,
checked in, currently inside, check-ins per device) and their 5-minute timeline
(models/ticketing/timeline) from the order and attendee events.

Exact under redelivery twice over: the runtime's tracking rows drop a message seen
before, and the handler itself counts each fact (order, scan) once, so any batch, even
one holding the same event twice under different message ids, is applied exactly."""

from __future__ import annotations

from collections import Counter

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from models.core.uow import UnitOfWork
from models.ticketing.stats.service import Deltas, apply_deltas, collect, fact_of, new_facts
from models.ticketing.timeline.collect import apply_timeline, collect_timeline


def update_ticketing_stats(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Apply the new facts among `deliveries` to the stats read models."""
    facts: dict[str, Delivery] = {}
    for d in deliveries:
        try:
            facts.setdefault(fact_of(d.routing_key, d.data), d)
        except (KeyError, TypeError, ValueError) as exc:
            raise Permanent(f"malformed {d.routing_key}: {exc!r}") from exc
    fresh = new_facts(uow.session, list(facts))
    deltas, timeline = Deltas(), Counter()
    for fact in sorted(fresh):
        d = facts[fact]
        try:
            collect(deltas, d.routing_key, d.data)
            collect_timeline(timeline, d.routing_key, d.data)
        except (KeyError, TypeError, ValueError) as exc:
            raise Permanent(f"malformed {d.routing_key}: {exc!r}") from exc
    apply_deltas(uow.session, deltas)
    apply_timeline(uow.session, timeline)


CONSUMER = Consumer(name="stats", handle=update_ticketing_stats)
