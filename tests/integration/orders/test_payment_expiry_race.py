"""Expiry and a payment racing for one order: exactly one of them wins, and the order's
status, its units, the payment's outcome and the events recorded all agree."""

from __future__ import annotations

from decimal import Decimal

from models.core.base import utcnow
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.orders.pay import PaymentNotice, record_payment
from tests.support.concurrency import race
from tests.support.orders import buy, make_due, order_row, outbox, sold

ROUNDS = 15


def test_expiry_and_payment_racing_end_in_exactly_one_outcome(client, db, shop):
    seen = set()
    for i in range(ROUNDS):
        r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
        oid = int(r.get_json()["data"]["id"])
        make_due(db, oid)
        held = sold(db, shop.ticket_id)
        notice = PaymentNotice(provider="stripe", provider_event_id=f"evt_{i}",
                               event_type="checkout.session.completed", order_id=oid,
                               amount=Decimal("50.00"), currency="eur")  # the order's
        expired, paid = race(2, lambda k, n=notice: expire_due_orders(db, utcnow())
                             if k == 0 else record_payment(db, n))
        assert not isinstance(expired, Exception) and not isinstance(paid, Exception), \
            (expired, paid)
        status = order_row(db, oid).status
        completions = outbox(db, "order.completed", oid)
        expiries = outbox(db, "order.expired", oid)
        if status == "completed":  # the payment came first: the expiry found nothing due
            assert (expired, paid.outcome, paid.needs_refund) == (0, "completed", False)
            assert (len(completions), len(expiries)) == (1, 0)
            assert sold(db, shop.ticket_id) == held
            # paid orders keep their units: give them back for the next round
            from tests.support.orders import patch_status
            assert patch_status(client, shop.owner_token, oid, "cancelled").status_code == 200
        else:
            assert status == "expired"
            assert (expired, paid.outcome, paid.needs_refund) == (1, "needs_refund", True)
            assert (len(completions), len(expiries)) == (0, 1)
            assert sold(db, shop.ticket_id) == held - 2
        seen.add(status)
    assert sold(db, shop.ticket_id) == 0
    print(f"outcomes seen over {ROUNDS} races: {sorted(seen)}")
