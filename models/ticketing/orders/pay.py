"""Payments reported by a payment provider (its webhook), each applied exactly once.

A payment and its effect commit together: the `payments` row (unique per provider event
id) and the order's completion, or the `needs_refund` flag when the money completes
nothing: the order had expired or was cancelled (its units were given back), another
payment or the organiser had completed it, or the amount falls short of the order's.
The order's row lock orders a payment against expiry, cancel and a replay."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.db import Database
from models.core.errors import Invalid
from models.core.uow import UnitOfWork
from models.ticketing.orders.complete import COMPLETABLE, mark_completed
from models.ticketing.tables import Order, OrderLine, Payment


@dataclass(frozen=True)
class PaymentNotice:
    """What a provider's (verified) event says: its id, its type, the order it pays."""

    provider: str
    provider_event_id: str
    event_type: str
    order_id: int
    amount: Decimal | None = None
    currency: str | None = None
    pointer: str | None = None  # where the order id was in the provider's document
    reference: str | None = None  # the money movement (Stripe: the payment intent)


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: int
    outcome: str  # one of models.ticketing.tables.PAYMENT_OUTCOMES
    needs_refund: bool
    replayed: bool  # this provider event was recorded before: nothing was done now


def record_payment(db: Database, notice: PaymentNotice) -> PaymentOutcome:
    """Apply a provider's payment to its order, once per provider event id: a pending or
    placed order is completed (`order.completed`, no acting user) unless the amount falls
    short; anything else is recorded and flagged `needs_refund` (see `_outcome`). Invalid
    `unknown_order` when no such order exists (nothing recorded)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        order = s.scalar(select(Order).where(Order.id == notice.order_id).with_for_update())
        if order is None:
            raise Invalid(f"No order {notice.order_id} for this payment", code="unknown_order",
                          pointer=notice.pointer)
        # under the order's lock a replay running at the same time sees the first one's row
        earlier = s.scalar(select(Payment).where(
            Payment.provider == notice.provider,
            Payment.provider_event_id == notice.provider_event_id))
        if earlier is not None:
            return PaymentOutcome(earlier.id, earlier.outcome, earlier.needs_refund, True)
        outcome = _outcome(s, order, notice)
        payment = Payment(provider=notice.provider, provider_event_id=notice.provider_event_id,
                          event_type=notice.event_type, order_id=order.id,
                          amount=notice.amount, currency=notice.currency,
                          reference=notice.reference, outcome=outcome,
                          needs_refund=outcome in NEEDS_REFUND)
        s.add(payment)
        s.flush()
        if outcome == "completed":
            lines = list(s.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                   .order_by(OrderLine.ticket_id)))
            mark_completed(uow, order, lines, by_id=None, payment_id=payment.id)
        uow.commit()
        return PaymentOutcome(payment.id, outcome, payment.needs_refund, False)


NEEDS_REFUND = ("needs_refund", "paid_twice", "underpaid", "mismatch")


def _same_currency(order: Order, notice: PaymentNotice) -> bool:
    return notice.currency is not None and notice.currency.upper() == order.currency


def _outcome(s: Session, order: Order, notice: PaymentNotice) -> str:
    """What this payment does to `order` (locked by the caller)."""
    if order.status in COMPLETABLE:
        if notice.amount is not None and notice.amount < order.amount \
                and _same_currency(order, notice):
            return "underpaid"
        # both must match: a payment of 50 JPY is not one of 50 EUR
        if notice.amount != order.amount or not _same_currency(order, notice):
            return "mismatch"
        return "completed"
    if order.status != "completed":
        return "needs_refund"  # expired or cancelled: its units were given back
    # completed already: by this same payment told again, or by other money
    paid_by = s.scalars(select(Payment.reference).where(
        Payment.order_id == order.id, Payment.outcome == "completed")).all()
    same = notice.reference is not None and notice.reference in paid_by
    return "already_completed" if same else "paid_twice"
