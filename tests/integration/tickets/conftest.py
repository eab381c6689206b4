"""Ticket fixtures, made through the API: an owner's event in Berlin's time with a venue,
a paid ticket, and a buyer's order of four attendees whose names are in four scripts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.api import auth, doc, sign_up
from tests.support.ticketing import buy, make_ticket, person

NAMES = [("Αλέξανδρος", "Παπαδόπουλος"), ("Наталья", "Иванова"), ("محمد", "عبد الله"),
         ("山田", "太郎")]


@dataclass
class Sale:
    owner: str  # bearer tokens
    buyer: str
    event_id: str
    order_id: str
    identifier: str  # the order's
    attendee_ids: list[int]

    def tickets(self, client, token: str | None = None, identifier: str | None = None,
                headers: dict | None = None):
        return client.get(f"/v1/orders/{identifier or self.identifier}/tickets.pdf",
                          headers={**auth(token or self.buyer), **(headers or {})})

    def set_status(self, client, status: str):
        r = client.patch(f"/v1/orders/{self.identifier}", headers=auth(self.owner),
                         json=doc("order", {"status": status}, id_=self.order_id))
        assert r.status_code == 200, r.get_json()


@pytest.fixture
def sale(client) -> Sale:
    owner, buyer = sign_up(client, "owner@example.com"), sign_up(client, "buyer@example.com")
    r = client.post("/v1/events", headers=auth(owner), json=doc("event", {
        "name": "PyCon Europe", "starts-at": "2027-03-01T08:00:00Z",
        "ends-at": "2027-03-02T17:00:00Z", "timezone": "Europe/Berlin",
        "location-name": "Berlin Congress Center"}))
    assert r.status_code == 201, r.get_json()
    event_id = r.get_json()["data"]["id"]
    ticket_id = make_ticket(client, owner, event_id, 20, price=25, type="paid",
                            name="Full conference")
    r = buy(client, buyer, event_id, [person(ticket_id, first, last) for first, last in NAMES])
    assert r.status_code == 201, r.get_json()
    order = r.get_json()["data"]
    ids = [int(a["id"]) for a in order["relationships"]["attendees"]["data"]]
    return Sale(owner, buyer, event_id, order["id"], order["attributes"]["identifier"], ids)
