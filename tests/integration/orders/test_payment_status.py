"""Payments complete an order only when the money arrived: a correctly signed
`checkout.session.completed` with `payment_status: "unpaid"` (SEPA debit, bank transfer)
leaves it pending; `async_payment_succeeded` completes it, `async_payment_failed` does
not. Events are signed by the `stripe` library itself (tests/support/orders.py)."""

from __future__ import annotations

import pytest

from models.ticketing.tables import Payment
from tests.support.orders import SECRET, buy, order_row, post_webhook, stripe_event
from tests.support.outbox import count, outbox_data


@pytest.fixture
def config(base_config):
    return base_config.with_(stripe_webhook_secret=SECRET)


def _pending(client, shop) -> int:
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["status"] == "pending"
    return int(r.get_json()["data"]["id"])


def test_an_unpaid_completed_session_leaves_the_order_pending(client, db, shop):
    oid = _pending(client, shop)
    r = post_webhook(client, stripe_event(oid, "evt_sepa", payment_status="unpaid"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ignored"] is True
    assert order_row(db, oid).status == "pending"
    assert count(db, Payment) == 0 and outbox_data(db, "order.completed") == []


def test_async_payment_succeeded_completes_it_and_failed_does_not(client, db, shop):
    paid, failed = _pending(client, shop), _pending(client, shop)
    for oid in (paid, failed):
        post_webhook(client, stripe_event(oid, f"evt_start_{oid}", payment_status="unpaid"))
    r = post_webhook(client, stripe_event(
        failed, "evt_failed", kind="checkout.session.async_payment_failed",
        payment_status="unpaid"))
    assert r.status_code == 200 and r.get_json()["ignored"] is True
    r = post_webhook(client, stripe_event(
        paid, "evt_arrived", kind="checkout.session.async_payment_succeeded"))
    assert r.status_code == 200 and r.get_json()["outcome"] == "completed", r.get_json()
    assert (order_row(db, paid).status, order_row(db, failed).status) == \
        ("completed", "pending")
    [done] = outbox_data(db, "order.completed")
    assert done["order_id"] == paid


def test_a_session_without_payment_status_completes_nothing(client, db, shop):
    oid = _pending(client, shop)
    payload = stripe_event(oid, "evt_bare").replace(', "payment_status": "paid"', "")
    assert "payment_status" not in payload
    r = post_webhook(client, payload)
    assert r.status_code == 200 and r.get_json()["ignored"] is True
    assert order_row(db, oid).status == "pending"
