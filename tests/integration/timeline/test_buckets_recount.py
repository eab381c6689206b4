"""The timeline's buckets equal a recount from the raw tables after a random mix of
orders, completions, cancellations, expiries, check-ins and check-outs, delivered out of
order, in random batches, with redeliveries, republished copies and a consumer that died
before its commit and started again."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import and_, select, update

from consumers.stats import CONSUMER
from models.core.errors import DomainError
from models.ticketing.cancel import cancel_order
from models.ticketing.checkin import check_in_attendee, check_out_attendee
from models.ticketing.completion import complete_order
from models.ticketing.expiry import expire_due_orders
from models.ticketing.orders import AttendeeDetails, place_onsite_order, place_order
from models.ticketing.tables import Attendee, Order
from tests.integration.timeline.recount import buckets, recount, rolled_up
from tests.support.deliveries import handle, routed_to


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


def deliver_messily(db, rnd: random.Random) -> None:
    messages = routed_to(db, "stats")
    rnd.shuffle(messages)
    # the relay republished some (a lost confirm): same fact, new message id
    messages += [replace(m, message_id=str(uuid.uuid4()))
                 for m in rnd.sample(messages, len(messages) // 5)]
    sent, died = 0, False
    while sent < len(messages):
        size = rnd.randint(1, 25)
        batch = messages[sent:sent + size]
        # the broker redelivers some it had delivered before
        batch += rnd.sample(messages[:sent], min(sent, rnd.randint(0, 3)))
        if not died and sent > len(messages) // 2:
            handle(db, CONSUMER.handle, batch, consumer="stats", commit=False)
            died = True  # the process died before its commit: the restart gets it again
        handle(db, CONSUMER.handle, batch, consumer="stats")
        sent += size


@pytest.mark.parametrize("seed", [7, 2027])
def test_buckets_equal_a_recount_from_the_raw_tables(db, shop, clock, seed):
    rnd = random.Random(seed)
    play_mix(db, shop, clock, rnd, steps=160)
    deliver_messily(db, rnd)

    expected = recount(db, shop.event.id)
    assert {series for series, _, _ in expected} == {
        "orders", "units", "revenue", "check_ins", "check_outs", "inside"}
    assert len({at for _, _, at in expected}) > 20  # the facts span many buckets
    assert buckets(db, shop.event.id) == expected
    for span in ("hour", "day"):
        assert buckets(db, shop.event.id, span) == rolled_up(expected, span)


def test_a_redelivered_batch_moves_no_bucket_twice(db, shop, clock):
    play_mix(db, shop, clock, random.Random(1), steps=40)
    messages = routed_to(db, "stats")
    handle(db, CONSUMER.handle, messages, consumer="stats")
    once = buckets(db, shop.event.id)
    # the same facts under new message ids (tracking does not know them)
    handle(db, CONSUMER.handle, [replace(m, message_id=str(uuid.uuid4())) for m in messages],
           consumer="stats")
    assert buckets(db, shop.event.id) == once == recount(db, shop.event.id)
