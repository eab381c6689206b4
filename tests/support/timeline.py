"""The timeline's tests: a random mix of orders, completions, cancellations, expiries,
check-ins and check-outs played through the services, and the timeline counted again
from the raw tables (orders, lines, scans) with no code shared with the consumer."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, select, update

from models.core.errors import DomainError
from models.ticketing.checkin.scan import check_in_attendee, check_out_attendee
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.complete import complete_order
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.orders.place import AttendeeDetails, place_onsite_order, place_order
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


def rolled_up(by_five_minutes: dict, span: str) -> dict[tuple[str, str, datetime], Decimal]:
    """5-minute buckets summed into their hours or days."""
    out: Counter = Counter()
    for (series, key, at), value in by_five_minutes.items():
        start = at.replace(minute=0) if span == "hour" else at.replace(hour=0, minute=0)
        out[(series, key, start)] += value
    return {k: v for k, v in out.items() if v}


def _orders(db, event_id: int, *statuses: str) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(Order.id).where(Order.event_id == event_id,
                                                     Order.status.in_(statuses))))


def _attendees(db, event_id: int, inside: bool) -> list[int]:
    now_inside = and_(Attendee.is_checked_in, ~Attendee.is_checked_out)
    with db.session() as s:
        return list(s.scalars(select(Attendee.id).join(Order, Order.id == Attendee.order_id)
                              .where(Attendee.event_id == event_id,
                                     Order.status == "completed", ~Attendee.is_cancelled,
                                     now_inside if inside else ~now_inside)))


def play_mix(db, shop, clock, rnd: random.Random, steps: int) -> None:
    paid = shop.add_ticket(db, 500, price=Decimal("12.50"), type="paid")
    ev, owner, buyer = shop.event.id, shop.owner, shop.buyer

    def people(ticket_id: int) -> list[AttendeeDetails]:
        return [AttendeeDetails(ticket_id, "Ada", "L")] * rnd.randint(1, 3)

    def expire_one() -> None:
        pending = _orders(db, ev, "pending")
        if pending:
            with db.engine.begin() as conn:
                conn.execute(update(Order).where(Order.id == rnd.choice(pending))
                             .values(expires_at=clock.now))
            expire_due_orders(db, clock.now)

    def pick(ids: list[int], act) -> None:
        if ids:
            act(rnd.choice(ids))

    actions = [
        lambda: place_order(db, buyer, ev, people(paid.id)),                      # pending
        lambda: place_order(db, buyer, ev, people(paid.id), payment_mode="bank"),  # placed
        lambda: place_order(db, buyer, ev, people(shop.ticket.id)),               # free
        lambda: place_onsite_order(db, owner, ev, [(paid.id, rnd.randint(1, 3))]),
        lambda: pick(_orders(db, ev, "pending", "placed"),
                     lambda o: complete_order(db, owner, o)),
        lambda: pick(_orders(db, ev, "pending", "placed", "completed"),
                     lambda o: cancel_order(db, owner, o)),
        expire_one,
        *[lambda: pick(_attendees(db, ev, inside=False),
                       lambda a: check_in_attendee(db, owner.id, a, device_name="gate"))] * 4,
        *[lambda: pick(_attendees(db, ev, inside=True),
                       lambda a: check_out_attendee(db, owner.id, a))] * 2,
    ]
    for _ in range(steps):
        clock.advance(seconds=rnd.randint(0, 600))
        try:
            rnd.choice(actions)()
        except DomainError:  # a completion after its expiry, a sold-out ticket: no fact
            pass
