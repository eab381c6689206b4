"""The order lifecycle tests' helpers: placing orders, signing Stripe events, reading
what the database and the outbox hold."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import select, update

from models.accounts.tables import User
from models.catalog.tables import Ticket
from models.core.base import utcnow
from models.ticketing.tables import Order, Payment
from tests.support.api import auth, doc
from tests.support.outbox import outbox_data
from tests.support.ticketing import buy as buy_for
from tests.support.ticketing import person

SECRET = "whsec_test_0123456789abcdef"
WEBHOOK = "/v1/payments/stripe/webhook"




def user_named(db, email: str) -> User:
    with db.session() as s:
        return s.scalar(select(User).where(User.email == email))




def buy(client, token: str, event_id: str, ticket_id: str, n: int = 1, **attrs: Any):
    """POST an online order of `n` units of `ticket_id`, one attendee each."""
    return buy_for(client, token, event_id,
                   [person(ticket_id, f"P{i}", email=f"p{i}@example.com") for i in range(n)],
                   **attrs)


def patch_status(client, token: str, order_id: Any, status: Any):
    return client.patch(f"/v1/orders/{order_id}", headers=auth(token), json=doc(
        "order", {"status": status}, id_=order_id))


def stripe_event(order_id: Any, event_id: str = "evt_1", kind: str = "checkout.session.completed",
                 amount: int = 5000, intent: str = "pi_test_1",
                 payment_status: str = "paid") -> str:
    """A Stripe event as Stripe shapes it: a checkout session names its payment intent
    and says whether the money arrived (`payment_status`: a delayed method's
    `completed` is "unpaid"), `payment_intent.succeeded` carries the intent itself."""
    meta = {"order_id": str(order_id)}
    if kind.startswith("payment_intent."):
        obj = {"id": intent, "object": "payment_intent", "amount_received": amount,
               "currency": "eur", "metadata": meta}
    else:
        obj = {"id": "cs_test_1", "object": "checkout.session", "amount_total": amount,
               "currency": "eur", "payment_intent": intent, "metadata": meta,
               "payment_status": payment_status}
    return json.dumps({"id": event_id, "object": "event", "type": kind,
                       "data": {"object": obj}})


def signed(payload: str, secret: str = SECRET) -> dict[str, str]:
    """The `Stripe-Signature` header the library itself generates for `payload`."""
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def post_webhook(client, payload: str, headers: dict[str, str] | None = None):
    return client.post(WEBHOOK, data=payload, headers=headers or signed(payload))


def make_due(db, order_id: int) -> None:
    """Move the order's deadline into the past (the expiry window has run out)."""
    with db.engine.begin() as conn:
        conn.execute(update(Order).where(Order.id == order_id)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))


def order_row(db, order_id: int) -> Order:
    with db.session() as s:
        return s.get(Order, order_id)


def sold(db, ticket_id: Any) -> int:
    with db.session() as s:
        return s.get(Ticket, int(ticket_id)).sold_count


def outbox(db, routing_key: str, order_id: int | None = None) -> list[dict]:
    """The recorded `routing_key` events (of `order_id` when given), oldest first."""
    return [d for d in outbox_data(db, routing_key)
            if order_id is None or d["order_id"] == order_id]


def payments(db) -> list[Payment]:
    with db.session() as s:
        return list(s.scalars(select(Payment).order_by(Payment.id)))



