"""The Stripe webhook: verified with the library's signature scheme, applied once per
Stripe event id, never completing an order whose units were given back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.app import create_app
from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.tables import Payment
from tests.support.api import auth
from tests.support.concurrency import race
from tests.support.orders import (
    SECRET,
    buy,
    make_due,
    order_row,
    outbox,
    patch_status,
    payments,
    post_webhook,
    signed,
    sold,
    stripe_event,
)
from tests.support.outbox import count


@pytest.fixture
def config(base_config):
    return base_config.with_(stripe_webhook_secret=SECRET)


def pending_order(client, shop) -> int:
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["status"] == "pending"
    return int(r.get_json()["data"]["id"])


def test_the_webhook_completes_a_pending_order_once_however_often_replayed(app, client, db,
                                                                          shop):
    oid = pending_order(client, shop)
    payload = stripe_event(oid, "evt_paid", amount=5000)
    first = post_webhook(client, payload)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["outcome"] == "completed" and not first.get_json()["replayed"]
    # Stripe resends: one after another and several at once
    again = [post_webhook(client, payload) for _ in range(3)]
    again += race(6, lambda _: post_webhook(app.test_client(), payload))
    assert all(r.status_code == 200 and r.get_json()["replayed"] for r in again)

    order = order_row(db, oid)
    assert order.status == "completed" and order.completed_by_id is None
    [payment] = payments(db)
    assert (payment.provider_event_id, payment.outcome, payment.order_id) == \
        ("evt_paid", "completed", oid)
    assert (payment.amount, payment.currency, payment.needs_refund) == \
        (Decimal("50.00"), "eur", False)
    done = outbox(db, "order.completed")
    assert len(done) == 1 and done[0]["payment_id"] == payment.id
    assert done[0]["completed_by_id"] is None and sold(db, shop.ticket_id) == 2


def test_a_payment_intent_completes_a_placed_order_and_a_second_event_changes_nothing(
        client, db, shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, **{"payment-mode": "bank"})
    oid = int(r.get_json()["data"]["id"])
    # one unit: 25.00 (an amount other than the order's completes nothing)
    intent = stripe_event(oid, "evt_pi", kind="payment_intent.succeeded", amount=2500)
    assert post_webhook(client, intent).get_json()["outcome"] == "completed"
    # Stripe sends both events for one checkout: the second is recorded, not applied
    session = stripe_event(oid, "evt_cs", amount=2500)
    assert post_webhook(client, session).get_json()["outcome"] == "already_completed"
    assert [p.outcome for p in payments(db)] == ["completed", "already_completed"]
    assert len(outbox(db, "order.completed")) == 1


def test_a_payment_for_an_expired_order_is_recorded_and_flagged_needs_refund(client, db, shop):
    oid = pending_order(client, shop)
    make_due(db, oid)
    assert expire_due_orders(db, utcnow()) == 1
    r = post_webhook(client, stripe_event(oid, "evt_late"))
    assert r.status_code == 200
    assert r.get_json()["outcome"] == "needs_refund" and r.get_json()["needs_refund"] is True
    assert order_row(db, oid).status == "expired" and sold(db, shop.ticket_id) == 0
    assert outbox(db, "order.completed") == []
    shown = client.get(f"/v1/orders/{oid}", headers=auth(shop.owner_token)).get_json()
    assert shown["data"]["attributes"]["needs-refund"] is True
    assert shown["data"]["attributes"]["status"] == "expired"


def test_a_second_payment_for_a_completed_order_is_flagged_paid_twice(client, db, shop):
    """The buyer pays twice (two checkouts), or pays online after the organiser took
    cash: the second money is recorded for a refund, the order completes once."""
    oid = pending_order(client, shop)
    assert post_webhook(client, stripe_event(oid, "evt_a", intent="pi_a")).get_json()[
        "outcome"] == "completed"
    r = post_webhook(client, stripe_event(oid, "evt_b", intent="pi_b"))
    assert r.get_json()["outcome"] == "paid_twice" and r.get_json()["needs_refund"] is True
    by_hand = pending_order(client, shop)
    assert patch_status(client, shop.owner_token, by_hand, "completed").status_code == 200
    r = post_webhook(client, stripe_event(by_hand, "evt_c", kind="payment_intent.succeeded",
                                          intent="pi_c"))
    assert r.get_json()["outcome"] == "paid_twice"
    assert [(p.outcome, p.reference, p.needs_refund) for p in payments(db)] == [
        ("completed", "pi_a", False), ("paid_twice", "pi_b", True),
        ("paid_twice", "pi_c", True)]
    assert len(outbox(db, "order.completed")) == 2 and sold(db, shop.ticket_id) == 4
    shown = client.get(f"/v1/orders/{oid}", headers=auth(shop.owner_token)).get_json()
    assert shown["data"]["attributes"]["needs-refund"] is True


def test_a_payment_short_of_the_order_amount_completes_nothing(client, db, shop):
    oid = pending_order(client, shop)  # 2 x 25.00
    r = post_webhook(client, stripe_event(oid, "evt_short", amount=4999))
    assert r.get_json()["outcome"] == "underpaid" and r.get_json()["needs_refund"] is True
    assert order_row(db, oid).status == "pending" and outbox(db, "order.completed") == []
    [payment] = payments(db)
    assert payment.amount == Decimal("49.99") and payment.needs_refund
    # the full amount, later, completes it
    r = post_webhook(client, stripe_event(oid, "evt_full", amount=5000, intent="pi_full"))
    assert r.get_json()["outcome"] == "completed" and order_row(db, oid).status == "completed"


@pytest.mark.parametrize("headers", [
    {"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"},
    signed(stripe_event(1, "evt_x"), secret="whsec_someone_else"),
    {"Content-Type": "application/json"},
], ids=["forged", "other-secret", "unsigned"])
def test_a_bad_signature_is_400_and_changes_nothing(client, db, shop, headers):
    oid = pending_order(client, shop)
    before = count(db, OutboxMessage)
    r = post_webhook(client, stripe_event(oid, "evt_x"), headers)
    assert r.status_code == 400 and r.get_json()["errors"][0]["code"] == "bad_signature"
    assert order_row(db, oid).status == "pending"
    assert count(db, Payment) == 0 and count(db, OutboxMessage) == before


def test_an_unknown_or_missing_order_in_metadata_is_422_and_changes_nothing(client, db, shop):
    oid = pending_order(client, shop)
    before = count(db, OutboxMessage)
    r = post_webhook(client, stripe_event(oid + 1000, "evt_u"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["code"] == "unknown_order"
    r = post_webhook(client, stripe_event("", "evt_m"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["code"] == "order_id_missing"
    assert order_row(db, oid).status == "pending"
    assert count(db, Payment) == 0 and count(db, OutboxMessage) == before


def test_other_event_types_are_acknowledged_and_ignored(client, db, shop):
    oid = pending_order(client, shop)
    r = post_webhook(client, stripe_event(oid, "evt_f", kind="payment_intent.payment_failed"))
    assert r.status_code == 200 and r.get_json()["ignored"] is True
    assert order_row(db, oid).status == "pending" and count(db, Payment) == 0


def test_without_a_secret_the_webhook_is_unavailable(base_config, db, shop):
    client = create_app(base_config, db).test_client()
    payload = stripe_event(1, "evt_n")
    r = post_webhook(client, payload, signed(payload))
    assert r.status_code == 503
    assert r.get_json()["errors"][0]["code"] == "payments_not_configured"
