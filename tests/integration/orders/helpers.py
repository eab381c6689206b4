"""Helpers for the order lifecycle tests: placing orders, signing Stripe events, reading
what the database and the outbox hold."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import func, select, update

from models.accounts.tables import User
from models.catalog.tables import Ticket
from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from models.ticketing.tables import Order, Payment
from tests.support.api import auth, doc

SECRET = "whsec_test_0123456789abcdef"
WEBHOOK = "/v1/payments/stripe/webhook"


def make_ticket(client, token: str, event_id: str, quantity: int, **attrs: Any) -> str:
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": f"T{quantity}", "quantity": quantity, "max-order": 10, **attrs},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]["id"]


def user_named(db, email: str) -> User:
    with db.session() as s:
        return s.scalar(select(User).where(User.email == email))


def person(ticket_id: str, first: str = "Ada") -> dict:
    return {"ticket-id": ticket_id, "first-name": first, "last-name": "Lovelace",
            "email": f"{first.lower()}@example.com"}


def buy(client, token: str, event_id: str, ticket_id: str, n: int = 1, **attrs: Any):
    return client.post("/v1/orders", headers=auth(token), json=doc(
        "order", {"attendees": [person(ticket_id, f"P{i}") for i in range(n)], **attrs},
        {"event": ("event", event_id)}))


def patch_status(client, token: str, order_id: Any, status: Any):
    return client.patch(f"/v1/orders/{order_id}", headers=auth(token), json=doc(
        "order", {"status": status}, id_=order_id))


def stripe_event(order_id: Any, event_id: str = "evt_1", kind: str = "checkout.session.completed",
                 amount: int = 5000) -> str:
    obj = {"id": "cs_test_1", "object": "checkout.session", "amount_total": amount,
           "currency": "eur", "metadata": {"order_id": str(order_id)}}
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
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.routing_key == routing_key).order_by(OutboxMessage.id))
        data = [json.loads(p)["data"] for p in rows]
    return [d for d in data if order_id is None or d["order_id"] == order_id]


def payments(db) -> list[Payment]:
    with db.session() as s:
        return list(s.scalars(select(Payment).order_by(Payment.id)))


def count(db, table) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def race(n: int, work, timeout: float = 60) -> list:
    """Run `work(i)` in `n` threads released at once; results or exceptions, by index
    (None for one still running after `timeout` seconds)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
