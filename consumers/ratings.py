"""`venuebus consume ratings`: keeps `events.average_rating` and `rating_count` exact.

Each `rating.changed` is a delta (create +1/+rating, update +new-old, delete -1/-old).
Deltas add up to the same totals in any order, and the runtime's tracking rows apply
each one exactly once, so the totals are exact whatever the order or number of
deliveries. Reads never aggregate."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Numeric, case, cast, func, update

from consumers.registry import Consumer
from consumers.runtime import Delivery, Permanent
from models.tables import Event
from models.uow import UnitOfWork


def rating_delta(data: dict) -> tuple[int, int]:
    """(count delta, sum delta) of one `rating.changed` payload; Permanent if malformed."""
    try:
        change = data["change"]
        if change == "created":
            return 1, int(data["rating"])
        if change == "updated":
            return 0, int(data["rating"]) - int(data["previous_rating"])
        if change == "deleted":
            return -1, -int(data["previous_rating"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Permanent(f"malformed rating.changed: {exc!r}") from exc
    raise Permanent(f"unknown change {change!r}")


def update_average_rating(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for d in deliveries:
        try:
            event_id = int(d.data["event_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Permanent(f"rating.changed without a valid event_id: {exc!r}") from exc
        dc, ds = rating_delta(d.data)
        deltas[event_id][0] += dc
        deltas[event_id][1] += ds
    for event_id in sorted(deltas):  # one lock order for concurrent consumers
        dc, ds = deltas[event_id]
        count, total = Event.rating_count + dc, Event.rating_sum + ds
        result = uow.session.execute(update(Event).where(Event.id == event_id).values(
            rating_count=count, rating_sum=total,
            average_rating=case((count > 0, func.round(cast(total, Numeric) / count, 3)),
                                else_=None)))
        if result.rowcount == 0:
            # Retried, then dead-lettered: a delta is never dropped silently.
            raise UnknownEvent(f"event {event_id} not found for rating.changed")


class UnknownEvent(LookupError):
    """A rating for an event this database does not have (yet)."""


CONSUMER = Consumer(name="ratings", handle=update_average_rating)
