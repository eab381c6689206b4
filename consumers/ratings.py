"""`venuebus consume ratings`: keeps `events.average_rating` and `rating_count` exact.

Each `rating.changed` is a delta (create +1/+rating, update +new-old, delete -1/-old).
Deltas add up to the same totals in any order, and the runtime's tracking rows apply
each one exactly once, so the totals are exact whatever the order or number of
deliveries. Reads never aggregate."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from models.core.uow import UnitOfWork


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
    ids = sorted(deltas)
    # one statement for the whole batch, however many events it touches; on PostgreSQL
    # it first locks their rows in id order (one lock order for concurrent consumers)
    rows = ", ".join(f"(:id{i}, :dc{i}, :ds{i})" for i in range(len(ids)))
    params = {}
    for i, event_id in enumerate(ids):
        params.update({f"id{i}": event_id, f"dc{i}": deltas[event_id][0],
                       f"ds{i}": deltas[event_id][1]})
    apply = _APPLY_PG if uow.db.is_postgres else _APPLY
    updated = set(uow.session.scalars(text(apply.format(rows=rows)), params))
    missing = set(ids) - updated
    if missing:
        # Retried, then dead-lettered: a delta is never dropped silently.
        raise UnknownEvent(f"events {sorted(missing)} not found for rating.changed")


_SET = """UPDATE events SET rating_count = events.rating_count + d.dc,
  rating_sum = events.rating_sum + d.ds,
  average_rating = CASE WHEN events.rating_count + d.dc > 0 THEN
    ROUND((events.rating_sum + d.ds) * 1.0 / (events.rating_count + d.dc), 3) END"""
_APPLY = """WITH d(id, dc, ds) AS (VALUES {rows})
""" + _SET + """
FROM d WHERE events.id = d.id RETURNING events.id"""
# the update reaches a row only through `locked`, which takes the locks in id order; a
# row changed meanwhile by another consumer is updated from its newest version
_APPLY_PG = """WITH d(id, dc, ds) AS (VALUES {rows}),
locked AS (SELECT events.id FROM events JOIN d ON d.id = events.id ORDER BY events.id
  FOR UPDATE OF events)
""" + _SET + """
FROM d, locked WHERE events.id = d.id AND locked.id = d.id RETURNING events.id"""


class UnknownEvent(LookupError):
    """A rating for an event this database does not have (yet)."""


CONSUMER = Consumer(name="ratings", handle=update_average_rating)
