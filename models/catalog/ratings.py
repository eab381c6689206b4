"""An event's rating totals (`rating_count`, `rating_sum`, `average_rating`), changed
only by deltas: the ratings consumer sums the `rating.changed` events of a batch per
event and applies them here in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import text

from models.core.uow import UnitOfWork


class UnknownEvent(LookupError):
    """A rating for an event this database does not have (yet)."""


def apply_rating_deltas(uow: UnitOfWork, deltas: Mapping[int, Sequence[int]]) -> None:
    """Add (count delta, sum delta) to each event's totals and recompute its average, in
    one statement for the whole batch; on PostgreSQL it first locks the rows in id order
    (one lock order for concurrent consumers). UnknownEvent when an event is missing:
    retried, then dead-lettered, so a delta is never dropped silently."""
    ids = sorted(deltas)
    if not ids:
        return
    rows = ", ".join(f"(:id{i}, :dc{i}, :ds{i})" for i in range(len(ids)))
    params = {}
    for i, event_id in enumerate(ids):
        params.update({f"id{i}": event_id, f"dc{i}": deltas[event_id][0],
                       f"ds{i}": deltas[event_id][1]})
    apply = _APPLY_PG if uow.db.is_postgres else _APPLY
    updated = set(uow.session.scalars(text(apply.format(rows=rows)), params))
    missing = set(ids) - updated
    if missing:
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
