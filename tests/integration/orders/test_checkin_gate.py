"""Only a completed order's attendees get in: a pending or placed order's attendee (by id
or by the QR code's secret) is refused with 409 `order_not_completed`, nothing written."""

from __future__ import annotations

import pytest

from api.app import create_app
from models.core.config import Config
from models.core.migrate import upgrade
from models.core.outbox import OutboxMessage
from models.ticketing.tables import CheckInScan
from tests.support.api import auth, create_event, sign_up
from tests.support.orders import buy, patch_status
from tests.support.outbox import count
from tests.support.ticketing import make_ticket


def attendee_of(r) -> dict:
    assert r.status_code == 201, r.get_json()
    return r.get_json()["included"][0]


def refused_and_nothing_written(client, db, token: str, attendee: dict) -> None:
    before = (count(db, CheckInScan), count(db, OutboxMessage))
    aid, secret = attendee["id"], attendee["attributes"]["checkin-secret"]
    for r in (client.post(f"/v1/attendees/{aid}/check-in", headers=auth(token), json={}),
              client.post("/v1/check-in", headers=auth(token), json={"secret": secret}),
              client.patch(f"/v1/attendees/{aid}", headers=auth(token), json={"data": {
                  "type": "attendee", "id": aid, "attributes": {"is-checked-in": True}}})):
        assert r.status_code == 409, r.get_json()
        assert r.get_json()["errors"][0]["code"] == "order_not_completed"
    assert (count(db, CheckInScan), count(db, OutboxMessage)) == before


def test_a_pending_orders_attendee_cannot_check_in_until_it_is_paid(client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id)
    attendee = attendee_of(r)
    refused_and_nothing_written(client, db, shop.owner_token, attendee)
    patch_status(client, shop.owner_token, r.get_json()["data"]["id"], "completed")
    ok = client.post(f"/v1/attendees/{attendee['id']}/check-in",
                     headers=auth(shop.owner_token), json={})
    assert ok.status_code == 200, ok.get_json()
    assert count(db, CheckInScan) == 1


def test_a_placed_orders_attendee_cannot_check_in(client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, **{"payment-mode": "bank"})
    refused_and_nothing_written(client, db, shop.owner_token, attendee_of(r))


@pytest.fixture
def sqlite_app(tmp_path):
    url = f"sqlite:///{tmp_path}/gate.db"
    upgrade(url)
    app = create_app(Config(database_url=url, secret_key="s" * 40))
    yield app
    app.extensions["venuebus"].db.dispose()


def test_the_door_refuses_a_pending_orders_attendee_on_sqlite_too(sqlite_app):
    client, db = sqlite_app.test_client(), sqlite_app.extensions["venuebus"].db
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 5, price=10, type="paid")
    refused_and_nothing_written(client, db, owner,
                                attendee_of(buy(client, owner, event_id, ticket)))
