"""A request that waits on a hot ticket's row lock past LOCK_TIMEOUT_MS answers 503 busy
with Retry-After, instead of queueing until the worker times out; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.app import create_app
from models.catalog.tables import Ticket
from models.ticketing.tables import Attendee, Order
from tests.support.concurrency import race
from tests.support.orders import sold
from tests.support.outbox import count
from tests.support.ticketing import onsite


@pytest.fixture
def api_with_its_own_engine(base_config, db):
    """The API as deployed: its own engine, whose connections carry the lock timeout."""
    app = create_app(base_config.with_(lock_timeout_ms=300))
    yield app
    app.extensions["venuebus"].db.dispose()


def test_a_lock_wait_past_the_limit_answers_503_with_retry_after(api_with_its_own_engine, db,
                                                                 shop):
    client = api_with_its_own_engine.test_client()
    with db.engine.connect() as holder:  # another transaction holds the ticket's row
        holder.execute(select(Ticket.id).where(Ticket.id == int(shop.ticket_id))
                       .with_for_update())
        # in a thread: without the timeout it would wait for as long as the lock is held
        [r] = race(1, lambda _: onsite(client, shop.owner_token, shop.event_id,
                                       [{"id": shop.ticket_id, "quantity": 1}]), timeout=20)
        assert r is not None, "the order still waits for the lock"
        assert r.status_code == 503, r.get_json()
        assert r.headers["Retry-After"] == "1"
        assert r.get_json()["errors"][0]["code"] == "busy"
        holder.rollback()
    assert (count(db, Order), count(db, Attendee), sold(db, shop.ticket_id)) == (0, 0, 0)
    r = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id, "quantity": 1}])
    assert r.status_code == 201 and sold(db, shop.ticket_id) == 1
