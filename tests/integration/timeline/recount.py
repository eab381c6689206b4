"""The timeline counted again from the raw tables (orders, lines, scans), the way the
stats consumer's buckets should add up, with no code shared with it."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from models.ticketing.tables import Attendee, CheckInScan, Order, OrderLine
from models.ticketing.timeline.tables import TimelineBucket


def five_minutes(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


def _moves(o: Order) -> list[tuple[datetime, str, int]]:
    first = "completed" if o.completed_at == o.created_at else \
        "pending" if o.expires_at else "placed"
    moves = [(o.created_at, first, 1)]
    if o.completed_at and o.completed_at != o.created_at:
        moves += [(o.completed_at, first, -1), (o.completed_at, "completed", 1)]
    if o.cancelled_at:
        moves += [(o.cancelled_at, "completed" if o.completed_at else first, -1),
                  (o.cancelled_at, "cancelled", 1)]
    if o.expired_at:
        moves += [(o.expired_at, first, -1), (o.expired_at, "expired", 1)]
    return moves


def recount(db, event_id: int) -> dict[tuple[str, str, datetime], Decimal]:
    out: Counter = Counter()
    with db.session() as s:
        orders = s.scalars(select(Order).where(Order.event_id == event_id)).all()
        lines = defaultdict(list)
        for line in s.scalars(select(OrderLine).join(Order, Order.id == OrderLine.order_id)
                              .where(Order.event_id == event_id)):
            lines[line.order_id].append(line)
        for o in orders:
            for at, state, sign in _moves(o):
                b = five_minutes(at)
                out[("orders", state, b)] += sign
                out[("revenue", state, b)] += sign * o.amount
                for line in lines[o.id]:
                    out[("units", f"{line.ticket_id}:{state}", b)] += sign * line.quantity
        inside: dict[int, bool] = {}
        scans = s.execute(select(CheckInScan.attendee_id, CheckInScan.kind, CheckInScan.at)
                          .join(Attendee, Attendee.id == CheckInScan.attendee_id)
                          .where(Attendee.event_id == event_id).order_by(CheckInScan.id))
        for attendee_id, kind, at in scans:
            b = five_minutes(at)
            was_inside = inside.get(attendee_id, False)
            out[("check_ins" if kind == "entry" else "check_outs", "", b)] += 1
            if was_inside != (kind == "entry"):
                out[("inside", "", b)] += 1 if kind == "entry" else -1
            inside[attendee_id] = kind == "entry"
        for o in orders:
            if o.cancelled_at:
                gone = s.scalars(select(Attendee.id).where(Attendee.order_id == o.id)).all()
                out[("inside", "", five_minutes(o.cancelled_at))] -= sum(
                    inside.get(a, False) for a in gone)
    return {k: Decimal(v) for k, v in out.items() if v}


def buckets(db, event_id: int, span: str = "5m") -> dict[tuple[str, str, datetime], Decimal]:
    with db.session() as s:
        rows = s.scalars(select(TimelineBucket).where(TimelineBucket.event_id == event_id,
                                                      TimelineBucket.span == span))
        return {(r.series, r.key, r.bucket_at): r.value for r in rows if r.value}


def rolled_up(five_minutes: dict, span: str) -> dict[tuple[str, str, datetime], Decimal]:
    """5-minute buckets summed into their hours or days."""
    out: Counter = Counter()
    for (series, key, at), value in five_minutes.items():
        start = at.replace(minute=0) if span == "hour" else at.replace(hour=0, minute=0)
        out[(series, key, start)] += value
    return {k: v for k, v in out.items() if v}
