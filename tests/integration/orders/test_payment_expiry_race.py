"""Expiry and a payment racing for one order: exactly one of them wins, and the order's
status, its units, the payment's outcome and the events recorded all agree. Each winner
is forced once with the other side really in flight; then they race freely."""

from __future__ import annotations

import threading
from decimal import Decimal

from models.core.base import utcnow
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.orders.pay import PaymentNotice, record_payment
from tests.support.concurrency import race
from tests.support.in_flight import HeldTransaction, lock_waiters
from tests.support.orders import buy, make_due, order_row, outbox, patch_status, sold
from tests.support.processes import wait_until

ROUNDS = 15


def due_order(client, db, shop) -> tuple[int, int]:
    """A pending order of 2 units past its deadline, and the units sold with it."""
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
    oid = int(r.get_json()["data"]["id"])
    make_due(db, oid)
    return oid, sold(db, shop.ticket_id)


def notice(oid: int, provider_event_id: str) -> PaymentNotice:
    """A payment of the order's own amount and currency (2 units of the shop's ticket)."""
    return PaymentNotice(provider="stripe", provider_event_id=provider_event_id,
                         event_type="checkout.session.completed", order_id=oid,
                         amount=Decimal("50.00"), currency="eur")


def in_thread(work) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    return thread, out


def assert_paid_first(client, db, shop, oid: int, held: int, expired, paid) -> None:
    """The payment won: the expiry found nothing it may expire."""
    assert order_row(db, oid).status == "completed"
    assert (expired, paid.outcome, paid.needs_refund) == (0, "completed", False)
    assert (len(outbox(db, "order.completed", oid)), len(outbox(db, "order.expired", oid))) \
        == (1, 0)
    assert sold(db, shop.ticket_id) == held
    # paid orders keep their units: give them back for the next round
    assert patch_status(client, shop.owner_token, oid, "cancelled").status_code == 200


def assert_expired_first(db, shop, oid: int, held: int, expired, paid) -> None:
    """The expiry won: the payment completes nothing and is flagged for a refund."""
    assert order_row(db, oid).status == "expired"
    assert (expired, paid.outcome, paid.needs_refund) == (1, "needs_refund", True)
    assert (len(outbox(db, "order.completed", oid)), len(outbox(db, "order.expired", oid))) \
        == (0, 1)
    assert sold(db, shop.ticket_id) == held - 2


def test_an_expiry_passes_by_an_order_whose_payment_is_in_flight(client, db, shop):
    other = int(buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 1)
                .get_json()["data"]["id"])  # not due
    oid, held = due_order(client, db, shop)
    # the payment locks the order, then waits to insert its provider event id (held by
    # an uncommitted row of the test's, on another order, rolled back on release)
    key = HeldTransaction(db, "INSERT INTO payments (provider, provider_event_id, event_type,"
                          " order_id, outcome, received_at) VALUES ('stripe', 'evt_a', 'x',"
                          " :o, 'completed', now())", {"o": other})
    try:
        payer, paid = in_thread(lambda: record_payment(db, notice(oid, "evt_a")))
        wait_until(lambda: lock_waiters(db) == 1, timeout=10, what="the payment in flight")
        expirer, expired = in_thread(lambda: expire_due_orders(db, utcnow()))
        expirer.join(10)
        assert expired == [0], "the expiry waited for the payment instead of passing by"
    finally:
        key.release()
    payer.join(30)
    assert_paid_first(client, db, shop, oid, held, 0, paid[0])


def test_a_payment_arriving_while_the_expiry_holds_the_order_asks_for_a_refund(
        client, db, shop):
    oid, held = due_order(client, db, shop)
    # the expiry claims the order, then waits to give its units back
    ticket = HeldTransaction(db, "SELECT id FROM tickets WHERE id = :t FOR UPDATE",
                             {"t": int(shop.ticket_id)})
    try:
        expirer, expired = in_thread(lambda: expire_due_orders(db, utcnow()))
        wait_until(lambda: lock_waiters(db) == 1, timeout=10, what="the expiry in flight")
        payer, paid = in_thread(lambda: record_payment(db, notice(oid, "evt_b")))
        wait_until(lambda: lock_waiters(db) == 2, timeout=10, what="the payment waiting")
    finally:
        ticket.release()
    expirer.join(30)
    payer.join(30)
    assert_expired_first(db, shop, oid, held, expired[0], paid[0])


def test_expiry_and_payment_racing_end_in_exactly_one_outcome(client, db, shop):
    for i in range(ROUNDS):
        oid, held = due_order(client, db, shop)
        expired, paid = race(2, lambda k, n=notice(oid, f"evt_{i}"):
                             expire_due_orders(db, utcnow()) if k == 0 else record_payment(db, n))
        assert not isinstance(expired, Exception) and not isinstance(paid, Exception), \
            (expired, paid)
        if order_row(db, oid).status == "completed":
            assert_paid_first(client, db, shop, oid, held, expired, paid)
        else:
            assert_expired_first(db, shop, oid, held, expired, paid)
    assert sold(db, shop.ticket_id) == 0
