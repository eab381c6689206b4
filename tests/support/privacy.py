"""A world that holds one user's address everywhere it can: Alice owns an event with
tickets, a discount code, orders whose attendees carry her address, feedback, a badge,
a speaker and staff invitations (Carol accepted hers; Bob's is pending). Everything is
made through the API, as clients make it."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.accounts import sign_up_verified, verify_address
from tests.support.api import auth, create_event, doc, invite, make_staff, sign_up
from tests.support.pages import csrf_token
from tests.support.ticketing import buy, make_ticket, onsite, person

ALICE, BOB, CAROL = "alice.owner@example.com", "bob@example.com", "carol@example.com"
PASSWORD = "password123"


@dataclass
class World:
    alice: str  # bearer tokens
    bob: str
    carol: str
    event_id: str
    order_id: str
    order_identifier: str
    attendee_id: str
    attendee_secret: str
    badge_id: str
    speaker_id: str
    bob_invitation_id: str
    carol_invitation_id: str


def make_world(client) -> World:
    alice = sign_up_verified(client, ALICE)
    bob, carol = sign_up(client, BOB), sign_up(client, CAROL)
    event_id = create_event(client, alice, "Alice's conference")
    ticket = make_ticket(client, alice, event_id, 20)
    r = client.post("/v1/discount-codes", headers=auth(alice), json=doc("discount-code", {
        "code": "ALICE10", "used-for": "event", "type": "percent", "value": 10},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    r = buy(client, alice, event_id, [person(ticket, "Alice", "Owner", ALICE),
                                      person(ticket, "Guest", "One", "guest@example.com")])
    assert r.status_code == 201, r.get_json()
    order = r.get_json()["data"]
    r = client.patch(f"/v1/orders/{order['id']}", headers=auth(alice),
                     json=doc("order", {"status": "completed"}, id_=order["id"]))
    assert r.status_code == 200, r.get_json()
    attendee = r.get_json()["included"][0]
    assert onsite(client, alice, event_id, [{"id": ticket, "quantity": 1}]).status_code == 201
    r = client.post("/v1/feedbacks", headers=auth(alice), json=doc(
        "feedback", {"rating": 5, "comment": "Mine"}, {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    r = client.post("/v1/badges", headers=auth(alice), json=doc("badge", {
        "rows": [{"name": "Alice Owner", "line-2": "Host", "line-3": ALICE}]}))
    assert r.status_code == 202, r.get_json()
    badge_id = r.get_json()["data"]["id"]
    r = client.post("/v1/speakers", headers=auth(alice), json=doc("speaker", {"name": "Hall"}))
    assert r.status_code == 201, r.get_json()
    speaker_id = r.get_json()["data"]["id"]
    make_staff(client, alice, event_id, CAROL, carol)
    r = invite(client, alice, event_id, BOB)
    assert r.status_code == 201, r.get_json()
    verify_address(client, BOB)  # Bob may see and answer what is addressed to him
    invitations = client.get(f"/v1/events/{event_id}/staff-invitations",
                             headers=auth(alice)).get_json()["data"]
    by_email = {i["attributes"]["email"]: i["id"] for i in invitations}
    return World(alice, bob, carol, event_id, order["id"], order["attributes"]["identifier"],
                 attendee["id"], attendee["attributes"]["checkin-secret"], badge_id,
                 speaker_id, by_email[BOB], by_email[CAROL])


def sign_in_pages(client, email: str) -> None:
    """A browser session for `email` on the pages (/door, /speakers, /ops)."""
    r = client.post("/signin", data={"email": email, "password": PASSWORD,
                                     "csrf_token": csrf_token(client)})
    assert r.status_code == 302, r.get_data(as_text=True)
