"""An order's first state comes from how it is paid; the owner marks it paid; every other
transition is refused with a clear code and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.tables import Order
from tests.support.api import auth, doc
from tests.support.orders import buy, make_due, order_row, outbox, patch_status, sold
from tests.support.outbox import count
from tests.support.ticketing import onsite


def attrs(r) -> dict:
    return r.get_json()["data"]["attributes"]


def error(r) -> dict:
    return r.get_json()["errors"][0]


def test_a_paid_online_order_is_pending_until_the_events_expiry_time(client, db, shop):
    r = client.patch(f"/v1/events/{shop.event_id}", headers=auth(shop.owner_token),
                     json=doc("event", {"order-expiry-time": 30}, id_=shop.event_id))
    assert r.status_code == 200 and attrs(r)["order-expiry-time"] == 30
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
    assert r.status_code == 201, r.get_json()
    order = attrs(r)
    assert order["status"] == "pending" and order["needs-refund"] is False
    created = datetime.fromisoformat(order["created-at"])
    assert datetime.fromisoformat(order["expires-at"]) - created == timedelta(minutes=30)
    assert sold(db, shop.ticket_id) == 2  # held while the buyer pays
    placed = outbox(db, "order.placed")[0]
    assert placed["status"] == "pending" and placed["expires_at"] == order["expires-at"]


def test_an_offline_promise_is_placed_and_never_expires(client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, **{"payment-mode": "bank"})
    assert r.status_code == 201, r.get_json()
    assert attrs(r)["status"] == "placed" and attrs(r)["expires-at"] is None
    assert attrs(r)["payment-mode"] == "bank"
    assert expire_due_orders(db, utcnow() + timedelta(days=365)) == 0
    assert order_row(db, int(r.get_json()["data"]["id"])).status == "placed"


def test_free_and_onsite_orders_are_completed_at_once(client, db, shop):
    free = client.post("/v1/tickets", headers=auth(shop.owner_token), json=doc(
        "ticket", {"name": "Free", "quantity": 5}, {"event": ("event", shop.event_id)}))
    r = buy(client, shop.buyer_token, shop.event_id, free.get_json()["data"]["id"])
    assert (attrs(r)["status"], attrs(r)["payment-mode"]) == ("completed", "free")
    assert attrs(r)["completed-at"] is not None and attrs(r)["expires-at"] is None
    r = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id, "quantity": 1}])
    assert (attrs(r)["status"], attrs(r)["payment-mode"]) == ("completed", "onsite")


def test_the_owner_marks_a_pending_order_paid_and_it_says_who(client, db, shop):
    oid = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id).get_json()["data"]["id"]
    r = patch_status(client, shop.buyer_token, oid, "completed")
    assert r.status_code == 403 and order_row(db, int(oid)).status == "pending"
    r = patch_status(client, shop.owner_token, oid, "completed")
    assert r.status_code == 200, r.get_json()
    assert attrs(r)["status"] == "completed" and attrs(r)["completed-at"] is not None
    assert r.get_json()["data"]["relationships"]["completed-by"]["data"]["id"] == \
        str(shop.owner.id)
    done = outbox(db, "order.completed")
    assert len(done) == 1 and done[0]["previous_status"] == "pending"
    assert done[0]["completed_by_id"] == shop.owner.id and done[0]["amount"] == "25.00"
    again = patch_status(client, shop.owner_token, oid, "completed")
    assert again.status_code == 200 and len(outbox(db, "order.completed")) == 1
    assert sold(db, shop.ticket_id) == 1


def test_a_placed_order_is_completed_by_the_owner(client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, **{"payment-mode": "cheque"})
    oid = r.get_json()["data"]["id"]
    r = patch_status(client, shop.owner_token, oid, "completed")
    assert attrs(r)["status"] == "completed"
    assert outbox(db, "order.completed")[0]["previous_status"] == "placed"


def test_bad_transitions_are_refused_and_change_nothing(client, db, shop):
    pending = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id).get_json()["data"]["id"]
    expired = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id).get_json()["data"]["id"]
    make_due(db, int(expired))
    assert expire_due_orders(db, utcnow()) == 1
    cancelled = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id
                    ).get_json()["data"]["id"]
    assert patch_status(client, shop.owner_token, cancelled, "cancelled").status_code == 200
    before = (count(db, OutboxMessage), sold(db, shop.ticket_id))

    for status in ("expired", "pending", "placed", None, 7):
        r = patch_status(client, shop.owner_token, pending, status)
        assert r.status_code == 422 and error(r)["code"] == "invalid_status", status
    for oid in (expired, cancelled):
        r = patch_status(client, shop.owner_token, oid, "completed")
        assert r.status_code == 409 and error(r)["code"] == "order_not_completable"
    r = patch_status(client, shop.owner_token, expired, "cancelled")
    assert r.status_code == 409 and error(r)["code"] == "order_expired"

    assert (count(db, OutboxMessage), sold(db, shop.ticket_id)) == before
    assert [order_row(db, int(o)).status for o in (pending, expired, cancelled)] == \
        ["pending", "expired", "cancelled"]


def test_bad_order_input_is_422_and_creates_nothing(client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, **{"payment-mode": "iou"})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["source"]["pointer"] == "/data/attributes/payment-mode"
    r = client.patch(f"/v1/events/{shop.event_id}", headers=auth(shop.owner_token),
                     json=doc("event", {"order-expiry-time": 0}, id_=shop.event_id))
    assert r.status_code == 422
    assert count(db, Order) == 0 and sold(db, shop.ticket_id) == 0
