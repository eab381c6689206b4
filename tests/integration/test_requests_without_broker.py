"""Nothing in a request talks to RabbitMQ: with AMQP_URL on a port nobody listens on,
requests that record events still answer 201 and leave their events in the outbox."""

from __future__ import annotations

import json

import pytest

from api.app import create_app
from models.core.config import Config
from models.core.db import Database
from tests.support.api import auth, create_event, doc, sign_up
from tests.support.outbox import outbox_rows
from tests.support.processes import free_port
from tests.support.ticketing import make_ticket, onsite


@pytest.fixture
def brokerless_client(db, config, monkeypatch):
    """The app as `venuebus api` builds it from the environment, AMQP_URL a closed port."""
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    monkeypatch.setenv("AMQP_URL", closed)
    monkeypatch.setenv("DATABASE_URL", config.database_url)
    monkeypatch.setenv("SECRET_KEY", config.secret_key)
    built = Config.from_env()
    assert built.amqp_url == closed
    database = Database(built)
    try:
        yield create_app(built, database).test_client()
    finally:
        database.dispose()


def test_requests_commit_their_events_while_the_broker_is_unreachable(brokerless_client, db):
    client = brokerless_client
    token = sign_up(client, "owner@example.com")  # 201 asserted by the helper
    event_id = create_event(client, token)
    ticket_id = make_ticket(client, token, event_id, 10)
    r = onsite(client, token, event_id, [{"id": ticket_id, "quantity": 2}])
    assert r.status_code == 201, r.get_json()
    order_id = int(r.get_json()["data"]["id"])
    r = client.post("/v1/feedbacks", headers=auth(token), json=doc(
        "feedback", {"rating": 4}, {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()

    rows = outbox_rows(db)
    assert {"user.signed_up", "order.placed", "rating.changed"} <= {r.routing_key for r in rows}
    assert all(r.published_at is None for r in rows)  # waiting for the relay, not lost
    [placed] = [json.loads(r.payload)["data"] for r in rows if r.routing_key == "order.placed"]
    assert placed["order_id"] == order_id
