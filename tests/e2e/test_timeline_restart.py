"""The timeline through the real relay, RabbitMQ and `venuebus consume stats` processes,
with the consumer killed (SIGKILL) after the first half of the mix and started again
once the second half is published: its buckets end equal to a recount from the raw
tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tests.integration.ticketing.conftest import Shop
from tests.support.clock import install_clock
from tests.support.processes import wait_until
from tests.support.timeline import buckets, play_mix, recount

pytestmark = pytest.mark.slow


def test_buckets_survive_a_killed_consumer_and_equal_the_recount(db, procs, monkeypatch):
    from models.accounts.users import create_user
    from models.catalog import events as catalog

    owner = create_user(db, "owner@example.com", "password123")
    buyer = create_user(db, "buyer@example.com", "password123")
    event = catalog.create_event(db, owner, {"name": "E", "starts_at": datetime.now(UTC),
                                             "ends_at": datetime.now(UTC)})
    ticket = catalog.create_ticket(db, owner, event.id, {"name": "Free", "quantity": 500,
                                                         "max_order": 50})
    shop, rnd = Shop(owner, buyer, event, ticket), random.Random(25)
    clock = install_clock(monkeypatch, datetime(2027, 3, 1, 8, tzinfo=UTC))
    procs.start("relay", ready="relay running")
    consumer = procs.start("consume", "stats", ready="consumer stats running")
    play_mix(db, shop, clock, rnd, steps=120)
    consumer.kill()  # whatever it held unacked comes again to the next one
    play_mix(db, shop, clock, rnd, steps=120)
    procs.start("consume", "stats", ready="consumer stats running")
    expected = recount(db, event.id)
    assert len(expected) > 50
    wait_until(lambda: buckets(db, event.id) == expected, timeout=60,
               what=lambda: f"buckets {len(buckets(db, event.id))} of {len(expected)}")
