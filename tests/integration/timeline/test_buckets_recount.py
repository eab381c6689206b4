"""The timeline's buckets equal a recount from the raw tables after a random mix of
orders, completions, cancellations, expiries, check-ins and check-outs, delivered out of
order, in random batches, with redeliveries, republished copies and a consumer that died
before its commit and started again."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace

import pytest

from consumers.stats import CONSUMER
from tests.support.deliveries import handle, routed_to
from tests.support.timeline import buckets, play_mix, recount, rolled_up


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
