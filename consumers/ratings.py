"""`venuebus consume ratings`: keeps `events.average_rating` and `rating_count` exact.

Each `rating.changed` is a delta (create +1/+rating, update +new-old, delete -1/-old).
Deltas add up to the same totals in any order, and the runtime's tracking rows apply
each one exactly once, so the totals are exact whatever the order or number of
deliveries. Reads never aggregate. The SQL that applies them is the catalog's
(models/catalog/ratings.py): this decodes the events and sums them per event."""

from __future__ import annotations

from collections import defaultdict

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from contracts.ratings import RatingChanged
from models.catalog.ratings import apply_rating_deltas
from models.core.uow import UnitOfWork


def rating_delta(event: RatingChanged) -> tuple[int, int]:
    """(count delta, sum delta) of one `rating.changed`; Permanent if its ratings do not
    fit its change."""
    change, rating, previous = event.change, event.rating, event.previous_rating
    if change == "created" and rating is not None:
        return 1, rating
    if change == "updated" and rating is not None and previous is not None:
        return 0, rating - previous
    if change == "deleted" and previous is not None:
        return -1, -previous
    raise Permanent(f"rating.changed {change!r} with rating {rating!r}, previous {previous!r}")


def update_average_rating(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for d in deliveries:
        event = d.event(RatingChanged)
        dc, ds = rating_delta(event)
        deltas[event.event_id][0] += dc
        deltas[event.event_id][1] += ds
    apply_rating_deltas(uow, deltas)


CONSUMER = Consumer(name="ratings", handle=update_average_rating)
