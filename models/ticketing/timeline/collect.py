"""From an order or attendee event to its timeline deltas, and their upsert.

The stats consumer calls `collect_timeline` only for facts it has not counted before
(`stats_applied_facts`), in the same transaction as the other counts: a redelivered or
duplicated event moves no bucket twice, and a restart midway changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.ticketing.timeline.tables import TimelineBucket

BUCKET_S = 300

# routing key -> (the field naming its time, the state it moves to, the default previous)
ORDER_MOVES = {"order.completed": ("completed_at", "completed", "pending"),
               "order.expired": ("expired_at", "expired", "pending"),
               "order.cancelled": ("cancelled_at", "cancelled", "completed")}

TIME_FIELDS = {"order.placed": "placed_at", "attendee.checked_in": "checked_in_at",
               "attendee.checked_out": "checked_out_at",
               **{key: move[0] for key, move in ORDER_MOVES.items()}}


SPAN_S = {"5m": BUCKET_S, "hour": 3600, "day": 86400}


def bucket_of(at: datetime | str, span: str = "5m") -> datetime:
    """The start of the `span` bucket (UTC) holding `at`. ValueError if not a time."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        raise ValueError(f"time without a zone: {at!r}")
    seconds = int(moment.timestamp()) // SPAN_S[span] * SPAN_S[span]
    return datetime.fromtimestamp(seconds, UTC)


def _order(deltas: Counter, routing_key: str, event_id: int, data: dict) -> None:
    amount = Decimal(str(data.get("amount", "0")))
    if routing_key == "order.placed":
        at, moves = data["placed_at"], [(data.get("status", "completed"), 1)]
    else:
        field, to, left = ORDER_MOVES[routing_key]
        at, moves = data[field], [(data.get("previous_status", left), -1), (to, 1)]
    bucket = bucket_of(at)
    for state, sign in moves:
        deltas[(event_id, "orders", state, bucket)] += sign
        deltas[(event_id, "revenue", state, bucket)] += sign * amount
        for line in data["lines"]:
            key = f"{int(line['ticket_id'])}:{state}"
            deltas[(event_id, "units", key, bucket)] += sign * int(line["quantity"])
    if routing_key == "order.cancelled":  # its attendees inside count no more
        gone = sum(int(line.get("inside", 0)) for line in data["lines"])
        deltas[(event_id, "inside", "", bucket)] -= gone


def collect_timeline(deltas: Counter, routing_key: str, data: dict) -> None:
    """Add one event's bucket deltas. KeyError/ValueError on a malformed payload. An
    event without its time (none is published so; the counts' own tests build such)
    has no place on the timeline and adds nothing."""
    if TIME_FIELDS[routing_key] not in data:
        return
    event_id = int(data["event_id"])
    if routing_key.startswith("order."):
        _order(deltas, routing_key, event_id, data)
    elif routing_key == "attendee.checked_in":
        bucket = bucket_of(data["checked_in_at"])
        deltas[(event_id, "check_ins", "", bucket)] += 1
        if not data["was_inside"]:
            deltas[(event_id, "inside", "", bucket)] += 1
    elif routing_key == "attendee.checked_out":
        bucket = bucket_of(data["checked_out_at"])
        deltas[(event_id, "check_outs", "", bucket)] += 1
        if data["was_inside"]:
            deltas[(event_id, "inside", "", bucket)] -= 1


def apply_timeline(s: Session, deltas: Counter) -> None:
    """Add `deltas` (by 5-minute bucket) to their 5-minute, hour and day buckets in one
    statement, keys sorted (one lock order)."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[s.bind.dialect.name]
    spans: Counter = Counter()
    for (e, series, key, at), value in deltas.items():
        for span in SPAN_S:
            spans[(e, series, key, span, bucket_of(at, span))] += value
    rows = [{"event_id": e, "series": series, "key": key, "span": span, "bucket_at": at,
             "value": Decimal(spans[(e, series, key, span, at)])}
            for e, series, key, span, at in sorted(spans) if spans[(e, series, key, span, at)]]
    if not rows:
        return
    stmt = insert(TimelineBucket)
    s.execute(stmt.on_conflict_do_update(
        index_elements=["event_id", "series", "key", "span", "bucket_at"],
        set_={"value": TimelineBucket.value + stmt.excluded.value}), rows)
