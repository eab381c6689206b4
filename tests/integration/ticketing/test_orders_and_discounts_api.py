"""Online orders with attendee details, and discount codes related to tickets."""

from __future__ import annotations

import pytest

from models.accounts.users import authenticate
from models.catalog.tables import Ticket
from models.core.errors import Conflict
from models.ticketing.discounts import get_discount_code
from models.ticketing.orders.place import AttendeeDetails, place_order
from models.ticketing.tables import Order
from tests.support.api import auth, create_event, doc, error, sign_up
from tests.support.concurrency import race
from tests.support.outbox import count
from tests.support.ticketing import buy, make_ticket, person

CODE = "/data/attributes/discount-code"


@pytest.fixture
def buyer(client):
    return sign_up(client, "buyer@example.com")


def make_code(client, token, event_id, tickets=(), **attrs):
    values = {"code": "EARLY", "used-for": "ticket", "type": "percent", "value": 50, **attrs}
    body = doc("discount-code", values, {"event": ("event", event_id)})
    if tickets is not None:
        body["data"]["relationships"]["tickets"] = {
            "data": [{"type": "ticket", "id": t} for t in tickets]}
    return client.post("/v1/discount-codes", headers=auth(token), json=body)


def test_order_with_attendee_details_and_visibility(client, owner, buyer, event_id):
    t = make_ticket(client, owner, event_id, 10, price=20, type="paid")
    r = buy(client, buyer, event_id, [person(t), person(t, "Alan", "Turing", "alan@x.org")])
    assert r.status_code == 201, r.get_json()
    order = r.get_json()
    assert order["data"]["attributes"]["amount"] == 40.0
    assert order["data"]["attributes"]["payment-mode"] == "online"
    names = [a["attributes"]["first-name"] for a in order["included"]]
    assert names == ["Ada", "Alan"]
    oid = order["data"]["id"]
    got = client.get(f"/v1/orders/{oid}", headers=auth(owner)).get_json()
    assert len(got["included"]) == 2
    assert client.get(f"/v1/orders/{oid}", headers=auth(buyer)).status_code == 200
    stranger = sign_up(client, "x@example.com")
    assert client.get(f"/v1/orders/{oid}", headers=auth(stranger)).status_code == 404


def test_attendee_details_are_validated_with_pointers(client, db, owner, buyer, event_id):
    t = make_ticket(client, owner, event_id, 10)
    r = buy(client, buyer, event_id, [{"ticket-id": t, "first-name": "", "last-name": "L"}])
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == "/data/attributes/attendees/0/first-name"
    assert count(db, Order) == 0


def test_sales_window_and_hidden_tickets_bind_normal_orders(client, owner, buyer, event_id):
    ended = make_ticket(client, owner, event_id, 10, **{"sales-ends-at": "2020-01-01T00:00:00Z"})
    later = make_ticket(client, owner, event_id, 10,
                        **{"sales-starts-at": "2099-01-01T00:00:00Z"})
    hidden = make_ticket(client, owner, event_id, 10, **{"is-hidden": True})
    assert error(buy(client, buyer, event_id, [person(ended)]))["code"] == "sales_ended"
    assert error(buy(client, buyer, event_id, [person(later)]))["code"] == "sales_not_started"
    assert error(buy(client, buyer, event_id, [person(hidden)]))["code"] == "unknown_ticket"
    assert buy(client, owner, event_id, [person(hidden)]).status_code == 201


def test_discount_code_tickets_relationship_endpoints(client, owner, event_id):
    a, b, c = (make_ticket(client, owner, event_id, 10) for _ in range(3))
    r = make_code(client, owner, event_id, [a])
    assert r.status_code == 201, r.get_json()
    code_id = r.get_json()["data"]["id"]
    rel = f"/v1/discount-codes/{code_id}/relationships/tickets"

    def linked(resp=None):
        resp = resp or client.get(rel, headers=auth(owner))
        return [x["id"] for x in resp.get_json()["data"]]

    assert linked() == [a]
    assert linked(client.post(rel, headers=auth(owner),
                              json={"data": [{"type": "ticket", "id": b}]})) == [a, b]
    assert linked(client.patch(rel, headers=auth(owner),
                               json={"data": [{"type": "ticket", "id": c}]})) == [c]
    assert linked(client.delete(rel, headers=auth(owner),
                                json={"data": [{"type": "ticket", "id": c}]})) == []
    client.post(rel, headers=auth(owner), json={"data": [{"type": "ticket", "id": a}]})
    related = client.get(f"/v1/discount-codes/{code_id}/tickets", headers=auth(owner))
    assert [t["id"] for t in related.get_json()["data"]] == [a]


def test_event_codes_and_foreign_tickets_cannot_be_related(client, owner, event_id):
    a = make_ticket(client, owner, event_id, 10)
    r = make_code(client, owner, event_id, [a], **{"used-for": "event", "code": "ALL"})
    assert r.status_code == 422 and error(r)["code"] == "event_code_has_no_tickets"
    event_code = make_code(client, owner, event_id, None, **{"used-for": "event",
                                                             "code": "ALL"})
    rel = f"/v1/discount-codes/{event_code.get_json()['data']['id']}/relationships/tickets"
    r = client.post(rel, headers=auth(owner), json={"data": [{"type": "ticket", "id": a}]})
    assert r.status_code == 422
    other = make_ticket(client, owner, create_event(client, owner, "Other"), 10)
    r = make_code(client, owner, event_id, [other], code="X")
    assert r.status_code == 422 and error(r)["code"] == "ticket_of_other_event"
    assert make_code(client, owner, event_id, None, **{"used-for": "event",
                                                       "code": "ALL"}).status_code == 409


def test_code_discounts_its_tickets_only_and_must_be_valid_now(client, owner, buyer,
                                                               event_id):
    a = make_ticket(client, owner, event_id, 10, price=40, type="paid")
    b = make_ticket(client, owner, event_id, 10, price=10, type="paid")
    make_code(client, owner, event_id, [a])
    r = buy(client, buyer, event_id, [person(a), person(b)], **{"discount-code": "EARLY"})
    assert r.status_code == 201, r.get_json()
    attrs = r.get_json()["data"]["attributes"]
    assert (attrs["amount"], attrs["discount-amount"]) == (30.0, 20.0)
    assert error(buy(client, buyer, event_id, [person(b)],
                     **{"discount-code": "EARLY"}))["code"] == "discount_not_applicable"
    make_code(client, owner, event_id, [a], code="OLD", **{"valid-till": "2020-01-01T00:00:00Z"})
    r = buy(client, buyer, event_id, [person(a)], **{"discount-code": "OLD"})
    assert error(r)["code"] == "discount_not_valid_now" and error(r)["source"]["pointer"] == CODE
    r = buy(client, buyer, event_id, [person(a)], **{"discount-code": "NOPE"})
    assert error(r)["code"] == "invalid_discount_code"


def test_discount_usage_limit_holds_under_concurrency(client, db, owner, event_id):
    t = make_ticket(client, owner, event_id, 100, price=10, type="paid")
    code_id = make_code(client, owner, event_id, [t], **{"tickets-number": 5}
                        ).get_json()["data"]["id"]
    buyer = authenticate(db, "owner@example.com", "password123")
    results = race(20, lambda i: place_order(
        db, buyer, int(event_id), [AttendeeDetails(int(t), "A", f"B{i}")],
        discount_code="EARLY"))
    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(sold) == 5
    assert all(isinstance(r, Conflict) and r.code == "discount_exhausted" for r in refused)
    assert get_discount_code(db, buyer, int(code_id)).code.used_count == 5
    with db.session() as s:
        assert s.get(Ticket, int(t)).sold_count == 5  # refused orders left nothing behind
    assert count(db, Order) == 5


def test_used_code_cannot_be_deleted_but_can_be_deactivated(client, owner, buyer, event_id):
    a = make_ticket(client, owner, event_id, 10, price=40, type="paid")
    code_id = make_code(client, owner, event_id, [a]).get_json()["data"]["id"]
    buy(client, buyer, event_id, [person(a)], **{"discount-code": "EARLY"})
    url = f"/v1/discount-codes/{code_id}"
    assert client.delete(url, headers=auth(owner)).status_code == 409
    r = client.patch(url, headers=auth(owner), json=doc("discount-code", {"is-active": False},
                                                        id_=code_id))
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["used-count"] == 1
    assert error(buy(client, buyer, event_id, [person(a)],
                     **{"discount-code": "EARLY"}))["code"] == "invalid_discount_code"
    listed = client.get(f"/v1/discount-codes?filter[event]={event_id}", headers=auth(owner))
    assert listed.get_json()["meta"]["count"] == 1
    assert client.get(url, headers=auth(buyer)).status_code == 403


def test_cancel_gives_back_every_use_the_order_took_free_tickets_too(client, owner, buyer,
                                                                     event_id):
    """A 100% code makes the ticket free (a line discount of 0 on a 0 price); its use
    still counts, and a cancel must give it back."""
    free = make_ticket(client, owner, event_id, 10)  # a free ticket: price 0
    paid = make_ticket(client, owner, event_id, 10, price=40, type="paid")
    code_id = make_code(client, owner, event_id, [free, paid], value=100,
                        **{"tickets-number": 3}).get_json()["data"]["id"]
    r = buy(client, buyer, event_id, [person(free), person(paid), person(paid)],
            **{"discount-code": "EARLY"})
    assert r.status_code == 201, r.get_json()
    url = f"/v1/discount-codes/{code_id}"
    assert client.get(url, headers=auth(owner)).get_json()["data"]["attributes"][
        "used-count"] == 3
    oid = r.get_json()["data"]["id"]
    r = client.patch(f"/v1/orders/{oid}", headers=auth(owner), json=doc(
        "order", {"status": "cancelled"}, id_=oid))
    assert r.status_code == 200, r.get_json()
    assert all(a["attributes"]["is-cancelled"] for a in r.get_json()["included"])
    assert client.get(url, headers=auth(owner)).get_json()["data"]["attributes"][
        "used-count"] == 0
    r = buy(client, buyer, event_id, [person(free)] * 3, **{"discount-code": "EARLY"})
    assert r.status_code == 201, r.get_json()  # all three uses are there again
