"""Payments complete an order only when the money arrived: a correctly signed
`checkout.session.completed` with `payment_status: "unpaid"` (SEPA debit, bank transfer)
leaves it pending; `async_payment_succeeded` completes it, `async_payment_failed` does
not. Events are signed by the `stripe` library itself (tests/support/orders.py)."""

from __future__ import annotations

import pytest

from models.ticketing.tables import Payment
from tests.support.api import assert_error, auth
from tests.support.orders import SECRET, buy, order_row, post_webhook, stripe_event
from tests.support.outbox import count, outbox_data
from tests.support.ticketing import make_ticket


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


def _refusals(db) -> list[tuple[str, bool]]:
    with db.session() as s:
        return [(p.outcome, p.needs_refund) for p in s.query(Payment).order_by(Payment.id)]


def test_orders_record_the_events_currency_and_payments_must_match_it(client, db, shop):
    oid = _pending(client, shop)  # 2 x 25.00 of an event with the default currency
    r = client.get(f"/v1/orders/{oid}", headers=auth(shop.buyer_token))
    assert r.get_json()["data"]["attributes"]["currency"] == "EUR"
    for event_id, currency, amount in (("evt_usd", "usd", 5000), ("evt_over", "eur", 6000),
                                       ("evt_none", None, 5000)):
        payload = stripe_event(oid, event_id, amount=amount)
        payload = payload.replace('"currency": "eur"', '"currency": null' if currency is None
                                  else f'"currency": "{currency}"')
        r = post_webhook(client, payload)
        assert r.status_code == 200 and r.get_json()["outcome"] == "mismatch", r.get_json()
        assert r.get_json()["needs_refund"] is True
    assert order_row(db, oid).status == "pending"
    assert _refusals(db) == [("mismatch", True)] * 3
    r = client.get(f"/v1/orders/{oid}", headers=auth(shop.buyer_token))
    assert r.get_json()["data"]["attributes"]["needs-refund"] is True
    r = post_webhook(client, stripe_event(oid, "evt_right", amount=5000, intent="pi_right"))
    assert r.get_json()["outcome"] == "completed" and order_row(db, oid).status == "completed"


def test_an_event_names_its_currency_and_its_orders_are_paid_in_it(client, db, shop):
    r = client.post("/v1/events", headers=auth(shop.owner_token), json={"data": {
        "type": "event", "attributes": {"name": "Tokyo", "currency": "JPY",
                                        "starts-at": "2027-03-01T09:00:00Z",
                                        "ends-at": "2027-03-02T18:00:00Z"}}})
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["currency"] == "JPY"
    event_id = r.get_json()["data"]["id"]
    ticket = make_ticket(client, shop.owner_token, event_id, 10, price=3000, type="paid")
    r = buy(client, shop.buyer_token, event_id, ticket, 1)
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["currency"] == "JPY"
    oid = int(r.get_json()["data"]["id"])
    eur = stripe_event(oid, "evt_eur", amount=300000)  # 3000.00 EUR is not 3000 JPY
    assert post_webhook(client, eur).get_json()["outcome"] == "mismatch"
    jpy = stripe_event(oid, "evt_jpy", amount=3000, intent="pi_jpy") \
        .replace('"currency": "eur"', '"currency": "jpy"')
    assert post_webhook(client, jpy).get_json()["outcome"] == "completed"


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1", 978, ""])
def test_a_currency_not_shaped_like_iso_4217_is_422(client, db, shop, currency):
    r = client.post("/v1/events", headers=auth(shop.owner_token), json={"data": {
        "type": "event", "attributes": {"name": "X", "currency": currency,
                                        "starts-at": "2027-03-01T09:00:00Z",
                                        "ends-at": "2027-03-02T18:00:00Z"}}})
    assert_error(r, 422, pointer="/data/attributes/currency")
