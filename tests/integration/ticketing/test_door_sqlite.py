"""`make run`'s embedded SQLite at the door: no sequences and no prepared statements
there, so the scan, the attendee's state and the outbox row are written one by one."""

from __future__ import annotations

import pytest

from api.app import create_app
from models.core.config import Config
from models.core.migrate import upgrade
from tests.support.api import auth, create_event, sign_up
from tests.support.outbox import outbox_data
from tests.support.ticketing import make_ticket, onsite


@pytest.fixture
def sqlite_client(tmp_path):
    url = f"sqlite:///{tmp_path}/door.db"
    upgrade(url)
    app = create_app(Config(database_url=url, secret_key="s" * 40))
    yield app.test_client(), app.extensions["venuebus"].db
    app.extensions["venuebus"].db.dispose()


def test_check_in_replay_check_out_and_patch_on_sqlite(sqlite_client):
    client, db = sqlite_client
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 5)
    aid = onsite(client, owner, event_id, [{"id": ticket, "quantity": 1}]) \
        .get_json()["included"][0]["id"]
    path = f"/v1/attendees/{aid}"

    first = client.post(path + "/check-in", headers=auth(owner),
                        json={"device-name": "gate-1", "nonce": "n1"})
    again = client.post(path + "/check-in", headers=auth(owner),
                        json={"device-name": "gate-1", "nonce": "n1"})
    assert first.status_code == again.status_code == 200
    assert again.get_json()["meta"]["replayed"] is True
    assert again.get_json()["meta"]["scan"]["id"] == first.get_json()["meta"]["scan"]["id"]
    out = client.post(path + "/check-out", headers=auth(owner), json={"nonce": "n2"})
    assert out.status_code == 200
    attrs = out.get_json()["data"]["attributes"]
    assert attrs["is-checked-out"] is True and attrs["device-name-checkin"] == "gate-1"

    r = client.patch(path, headers=auth(owner), json={"data": {
        "type": "attendee", "id": aid, "attributes": {
            "is-checked-in": True, "checkin-times": "2027-03-01T09:00:00Z",
            "device-name-checkin": "gate-2"}}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["attributes"]["device-name-checkin"] == "gate-1,gate-2"  # by time
    checked_in = outbox_data(db, "attendee.checked_in")
    assert [e["device_name"] for e in checked_in] == ["gate-1", "gate-2"]
    assert [e["first_check_in"] for e in checked_in] == [True, False]
    assert len({e["scan_id"] for e in checked_in}) == 2
    assert len(outbox_data(db, "attendee.checked_out")) == 1
