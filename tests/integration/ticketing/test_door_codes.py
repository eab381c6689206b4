"""Door codes nobody can guess: an order's identifier is random and stored, so a code is
`<identifier>-<attendee id>` or a check-in secret, and a plain `<order id>-<attendee id>`
(sequential ids: a buyer prints a neighbour's) opens nothing, at the desk or the API.
Rotating SECRET_KEY leaves every printed code valid."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from api.app import create_app
from models.core.errors import NotFound
from models.ticketing.checkin import desk as door
from models.ticketing.tables import Order
from tests.integration.conftest import SERVED_ORIGIN
from tests.support.api import assert_error, auth, login, sign_up
from tests.support.door import DoorWorld, make_door_world, scans_of
from tests.support.ticketing import make_ticket, onsite


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def _scan(db, world: DoorWorld, code: str, nonce: str = "nonce-0001"):
    return door.scan_at_door(db, world.staff, world.event.id, code, kind="entry",
                             device_name="Desk 1", nonce=nonce)


def test_identifiers_are_random_url_safe_and_unique(db, world):
    with db.session() as s:
        stored = dict(s.execute(select(Order.id, Order.identifier)).all())
    assert stored == world.identifiers
    assert len(set(stored.values())) == len(stored)
    for order_id, identifier in stored.items():
        # token_urlsafe(16): 128 bits in 22 characters, nothing of the id in it
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", identifier), identifier
        assert str(order_id) not in identifier.split("-")


def test_a_plain_order_id_code_opens_nothing_at_the_desk(db, world):
    for name in ("Ada", "Alan", "Guest 07"):
        with pytest.raises(NotFound) as refused:
            _scan(db, world, world.id_code(name))
        assert refused.value.code == "unknown_code"
        assert scans_of(db, world.attendees[name]) == []


def test_the_identifier_code_opens_only_its_own_attendees(db, world):
    ada, alan = world.attendees["Ada"], world.attendees["Alan"]
    assert _scan(db, world, world.order_code("Ada")).card.name == "Ada Lovelace"
    # Ada's order identifier with Alan's id, and an identifier one character off
    alans = world.identifiers[alan.order_id]
    forged = ("A" if alans[0] != "A" else "B") + alans[1:]
    for code in (f"{world.identifiers[ada.order_id]}-{alan.id}", f"{forged}-{alan.id}"):
        with pytest.raises(NotFound):
            _scan(db, world, code, nonce="nonce-0002")
    assert scans_of(db, alan) == []


@pytest.fixture
def sold(client):
    owner = sign_up(client, "owner@example.com")
    event_id = client.post("/v1/events", headers=auth(owner), json={"data": {
        "type": "event", "attributes": {"name": "PyCon", "starts-at": "2027-03-01T09:00:00Z",
                                        "ends-at": "2027-03-02T18:00:00Z"}}}) \
        .get_json()["data"]["id"]
    ticket = make_ticket(client, owner, event_id, 10)
    r = onsite(client, owner, event_id, [{"id": ticket, "quantity": 3}])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return owner, body["data"], body["included"]


def test_check_in_api_takes_the_identifier_code_and_refuses_the_id_code(client, sold):
    owner, order, attendees = sold
    first, second = attendees[0], attendees[1]
    r = client.post("/v1/check-in", headers=auth(owner),
                    json={"secret": f"{order['id']}-{first['id']}"})
    assert_error(r, 404, "unknown_code")
    r = client.post("/v1/check-in", headers=auth(owner), json={
        "secret": f"{order['attributes']['identifier']}-{second['id']}"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["id"] == second["id"]
    assert r.get_json()["data"]["attributes"]["is-checked-in"] is True
    # the first attendee was not let in by the refused code
    r = client.get(f"/v1/attendees/{first['id']}", headers=auth(owner))
    assert r.get_json()["data"]["attributes"]["is-checked-in"] is False


def test_a_key_rotation_leaves_identifiers_and_secrets_valid(config, db, client, sold):
    owner, order, attendees = sold
    identifier = order["attributes"]["identifier"]
    rotated = create_app(config.with_(base_url=SERVED_ORIGIN,
                                      secret_key="rotated-" + "k" * 40), db).test_client()
    assert rotated.get(f"/v1/orders/{identifier}", headers=auth(owner)).status_code == 401
    token = login(rotated, "owner@example.com")
    r = rotated.get(f"/v1/orders/{identifier}", headers=auth(token))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["attributes"]["identifier"] == identifier
    r = rotated.post("/v1/check-in", headers=auth(token),
                     json={"secret": f"{identifier}-{attendees[0]['id']}"})
    assert r.status_code == 200, r.get_json()
    r = rotated.post("/v1/check-in", headers=auth(token),
                     json={"secret": attendees[1]["attributes"]["checkin-secret"]})
    assert r.status_code == 200, r.get_json()
