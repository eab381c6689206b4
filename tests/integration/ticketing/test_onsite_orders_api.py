"""POST /v1/orders?onsite=true: Open Event's onsite attendees, without its defects."""

from __future__ import annotations

import pytest

from models.catalog.tables import Ticket
from models.ticketing.tables import Attendee, Order, OrderLine
from tests.support.api import auth, create_event, error, sign_up
from tests.support.concurrency import race
from tests.support.outbox import count, outbox_data
from tests.support.ticketing import make_ticket, onsite

POINTER = "/data/attributes/on-site-tickets"


def test_onsite_order_creates_exactly_quantity_attendees_per_ticket(client, db, owner,
                                                                    event_id):
    a, b = make_ticket(client, owner, event_id, 10), make_ticket(client, owner, event_id, 10)
    r = onsite(client, owner, event_id, [
        {"id": a, "quantity": "3"},
        {"data": {"type": "on-site-ticket", "attributes": {"id": b, "quantity": 2}}}])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["data"]["attributes"]["payment-mode"] == "onsite"
    assert body["data"]["attributes"]["status"] == "completed"
    holders = [i for i in body["included"] if i["type"] == "attendee"]
    by_ticket = sorted((h["relationships"]["ticket"]["data"]["id"], h["attributes"]["unit"])
                       for h in holders)
    assert by_ticket == [(a, 1), (a, 2), (a, 3), (b, 1), (b, 2)]
    assert len({h["attributes"]["checkin-secret"] for h in holders}) == 5
    with db.session() as s:
        assert s.get(Ticket, int(a)).sold_count == 3 and s.get(Ticket, int(b)).sold_count == 2
    placed = outbox_data(db, "order.placed")
    assert len(placed) == 1
    assert placed[0]["lines"] == [{"ticket_id": int(a), "quantity": 3},
                                  {"ticket_id": int(b), "quantity": 2}]
    assert sorted(placed[0]["attendee_ids"]) == sorted(int(h["id"]) for h in holders)


def test_quantity_two_twice_on_one_ticket_is_fine_unlike_the_seeds_unique_constraint(
        client, owner, event_id):
    a = make_ticket(client, owner, event_id, 4)
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 2}]).status_code == 201
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 2}]).status_code == 201


@pytest.mark.parametrize("tickets", [..., [], None])
def test_missing_or_empty_on_site_tickets_is_422_with_pointer(client, db, owner, event_id,
                                                              tickets):
    r = onsite(client, owner, event_id, tickets)
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == POINTER
    assert error(r)["detail"] == "on-site-tickets info missing"
    assert count(db, Order) == 0


@pytest.mark.parametrize("quantity", [0, "0", -1, "-2", "two", 1.5, True, None, "1e3"])
def test_quantity_must_be_a_positive_integer(client, db, owner, event_id, quantity):
    a = make_ticket(client, owner, event_id, 10)
    r = onsite(client, owner, event_id, [{"id": a, "quantity": quantity}])
    assert r.status_code == 422, r.get_json()
    assert error(r)["source"]["pointer"] == POINTER
    assert count(db, Order) == 0


def test_unknown_ticket_and_ticket_of_another_event_are_422(client, db, owner, event_id):
    other_event = create_event(client, owner, "Other")
    foreign = make_ticket(client, owner, other_event, 10)
    for ticket_id in ("999999", foreign):
        r = onsite(client, owner, event_id, [{"id": ticket_id, "quantity": 1}])
        assert r.status_code == 422
        assert error(r)["source"]["pointer"] == POINTER
        assert ticket_id in error(r)["detail"]
    assert count(db, Order) == 0


def test_capacity_exceeded_is_409_with_how_many_are_left(client, owner, event_id):
    a = make_ticket(client, owner, event_id, 5)
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 3}]).status_code == 201
    r = onsite(client, owner, event_id, [{"id": a, "quantity": 3}])
    assert r.status_code == 409
    assert error(r)["detail"] == (f"Ticket with id: {a} already sold out. "
                                  "You can buy at most 2 tickets")
    assert error(r)["code"] == "ticket_sold_out"


def test_nothing_is_created_when_an_order_fails_half_way(client, db, owner, event_id):
    roomy, full = make_ticket(client, owner, event_id, 50), make_ticket(client, owner,
                                                                        event_id, 1)
    onsite(client, owner, event_id, [{"id": full, "quantity": 1}])
    before = (count(db, Order), count(db, OrderLine), count(db, Attendee))
    # the roomy ticket is taken first (lower id), then the full one refuses
    r = onsite(client, owner, event_id, [{"id": roomy, "quantity": 5},
                                         {"id": full, "quantity": 1}])
    assert r.status_code == 409
    assert (count(db, Order), count(db, OrderLine), count(db, Attendee)) == before
    with db.session() as s:
        assert s.get(Ticket, int(roomy)).sold_count == 0
    assert len(outbox_data(db, "order.placed")) == 1


def test_order_limits_apply_to_onsite_orders_but_the_sales_window_does_not(client, owner,
                                                                           event_id):
    a = make_ticket(client, owner, event_id, 20, **{"min-order": 2, "max-order": 4,
                                                    "sales-ends-at": "2020-01-01T00:00:00Z"})
    r = onsite(client, owner, event_id, [{"id": a, "quantity": 5}])
    assert r.status_code == 422 and error(r)["code"] == "order_limits"
    assert error(r)["source"]["pointer"] == POINTER
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 1}]).status_code == 422
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 4}]).status_code == 201


def test_only_the_owner_sells_onsite(client, db, owner, event_id):
    a = make_ticket(client, owner, event_id, 5)
    stranger = sign_up(client, "x@example.com")
    r = onsite(client, stranger, event_id, [{"id": a, "quantity": 1}])
    assert r.status_code == 403
    assert count(db, Order) == 0


@pytest.mark.parametrize("flag", ["yes", "TRUEISH", "0", "false", ""])
def test_onsite_flag_is_strict_anything_else_is_a_normal_order(client, db, owner, event_id,
                                                                flag):
    a = make_ticket(client, owner, event_id, 5)
    r = onsite(client, owner, event_id, [{"id": a, "quantity": 1}], query=f"?onsite={flag}")
    assert r.status_code == 422
    assert error(r)["code"] == "attendees_missing"
    assert count(db, Attendee) == 0


def test_idempotency_key_replays_the_first_order(client, db, owner, event_id):
    a = make_ticket(client, owner, event_id, 5)
    key = {"Idempotency-Key": "k-123"}
    first = onsite(client, owner, event_id, [{"id": a, "quantity": 2}], headers=key)
    again = onsite(client, owner, event_id, [{"id": a, "quantity": 2}], headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["data"] == first.get_json()["data"]
    assert count(db, Order) == 1
    with db.session() as s:
        assert s.get(Ticket, int(a)).sold_count == 2
    other = onsite(client, owner, event_id, [{"id": a, "quantity": 3}], headers=key)
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    assert count(db, Order) == 1


def test_concurrent_retries_with_one_key_make_one_order(app, db, owner, event_id):
    client = app.test_client()
    a = make_ticket(client, owner, event_id, 50)

    def post(_):
        c = app.test_client()
        return onsite(c, owner, event_id, [{"id": a, "quantity": 1}],
                      headers={"Idempotency-Key": "same"})

    results = race(8, post)
    assert {r.status_code for r in results} == {201}
    assert len({r.get_json()["data"]["id"] for r in results}) == 1
    assert count(db, Order) == 1


def test_cancel_frees_capacity_and_units(client, db, owner, event_id):
    a = make_ticket(client, owner, event_id, 3)
    first = onsite(client, owner, event_id, [{"id": a, "quantity": 2}]).get_json()
    onsite(client, owner, event_id, [{"id": a, "quantity": 1}])
    assert onsite(client, owner, event_id, [{"id": a, "quantity": 1}]).status_code == 409
    oid = first["data"]["id"]
    stranger = sign_up(client, "x@example.com")
    patch = {"data": {"type": "order", "id": oid, "attributes": {"status": "cancelled"}}}
    assert client.patch(f"/v1/orders/{oid}", headers=auth(stranger), json=patch
                        ).status_code == 404  # as if there were no such order
    r = client.patch(f"/v1/orders/{oid}", headers=auth(owner), json=patch)
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["status"] == "cancelled"
    assert outbox_data(db, "order.cancelled")[0]["order_id"] == int(oid)
    again = onsite(client, owner, event_id, [{"id": a, "quantity": 2}])
    assert again.status_code == 201
    units = sorted(h["attributes"]["unit"] for h in again.get_json()["included"])
    assert units == [1, 2]
    with db.session() as s:
        assert s.get(Ticket, int(a)).sold_count == 3
    bad = {"data": {"type": "order", "id": oid, "attributes": {"status": "completed"}}}
    assert client.patch(f"/v1/orders/{oid}", headers=auth(owner), json=bad).status_code == 409


def test_racing_http_orders_of_two_for_the_last_five_leave_one_and_say_so(app, db, owner,
                                                                         event_id):
    a = make_ticket(app.test_client(), owner, event_id, 5)
    results = race(20, lambda i: onsite(app.test_client(), owner, event_id,
                                        [{"id": a, "quantity": 2}]))
    assert sorted(r.status_code for r in results) == [201] * 2 + [409] * 18
    assert {error(r)["detail"] for r in results if r.status_code == 409} == {
        f"Ticket with id: {a} already sold out. You can buy at most 1 tickets"}
    with db.session() as s:
        assert s.get(Ticket, int(a)).sold_count == 4
    assert count(db, Attendee) == 4


def test_idempotency_key_expires_after_24_hours(client, db, owner, event_id):
    import sqlalchemy as sa

    a = make_ticket(client, owner, event_id, 5)
    key = {"Idempotency-Key": "old"}
    first = onsite(client, owner, event_id, [{"id": a, "quantity": 1}], headers=key)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE idempotency_keys "
                             "SET created_at = now() - interval '25 hours'"))
    later = onsite(client, owner, event_id, [{"id": a, "quantity": 1}], headers=key)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["data"]["id"] != first.get_json()["data"]["id"]
    assert count(db, Order) == 2


def test_a_huge_onsite_quantity_is_422_before_anything_is_built(client, owner, event_id):
    ticket = make_ticket(client, owner, event_id, 10)
    r = onsite(client, owner, event_id, [{"id": ticket, "quantity": str(10**12)}])
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == POINTER
