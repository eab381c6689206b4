"""An event set up through the API the way an organizer does it, and a client that
speaks to venuebus exactly as Open Event's organizer app (open-event-organizer-android)
does: login at /auth/session, `Authorization: JWT <token>`, the app's own query strings."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.api import auth, create_event, doc, make_staff, sign_up
from tests.support.openevent import identity, session_login


@dataclass
class Door:
    """The organizer's event: two tickets, one order of three attendees, a staff user."""

    owner_token: str
    staff_token: str
    staff_id: int
    event_id: str
    ticket_ids: list[str]
    order_id: str
    attendee_ids: list[str]


@pytest.fixture
def door(client) -> Door:
    owner = sign_up(client, "organizer@example.com")
    staff_token = sign_up(client, "door@example.com")
    staff_id = identity(session_login(client, "door@example.com"))
    event_id = create_event(client, owner, "FOSSASIA Summit")
    tickets = []
    for name, price, quantity in (("Standard", 0, 300), ("Supporter", 25.5, 20)):
        r = client.post("/v1/tickets", headers=auth(owner), json=doc(
            "ticket", {"name": name, "type": "paid" if price else "free", "price": price,
                       "quantity": quantity, "max-order": 50},
            {"event": ("event", event_id)}))
        assert r.status_code == 201, r.get_json()
        tickets.append(r.get_json()["data"]["id"])
    make_staff(client, owner, event_id, "door@example.com", staff_token)
    people = [{"ticket-id": tickets[0], "first-name": "Ada", "last-name": "Lovelace",
               "email": "ada@example.com"},
              {"ticket-id": tickets[0], "first-name": "Grace", "last-name": "Hopper",
               "email": "grace@example.com"},
              {"ticket-id": tickets[1], "first-name": "Alan", "last-name": "Turing",
               "email": None}]
    r = client.post("/v1/orders", headers=auth(owner), json=doc(
        "order", {"attendees": people}, {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    order = r.get_json()["data"]
    assert order["attributes"]["status"] == "pending"  # a paid order waits for payment
    r = client.patch(f"/v1/orders/{order['id']}", headers=auth(owner), json=doc(
        "order", {"status": "completed"}, id_=order["id"]))  # paid at the bank
    assert r.status_code == 200, r.get_json()
    attendees = [a["id"] for a in order["relationships"]["attendees"]["data"]]
    return Door(owner, staff_token, staff_id, event_id, tickets, order["id"], attendees)
