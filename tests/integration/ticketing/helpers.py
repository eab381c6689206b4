"""Client-side helpers for the ticketing API tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from models.core.outbox import OutboxMessage
from tests.support.api import auth, doc


def make_ticket(client, token: str, event_id: str, quantity: int, **attrs: Any) -> str:
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": f"T{quantity}", "quantity": quantity, "max-order": 50, **attrs},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]["id"]


def onsite(client, token: str, event_id: str, tickets: Any, headers: dict | None = None,
           query: str = "?onsite=true"):
    body = doc("order", {"on-site-tickets": tickets} if tickets is not ... else {},
               {"event": ("event", event_id)})
    return client.post(f"/v1/orders{query}", headers={**auth(token), **(headers or {})},
                       json=body)


def person(ticket_id: str, first: str = "Ada", last: str = "Lovelace",
           email: str = "ada@example.com") -> dict:
    return {"ticket-id": ticket_id, "first-name": first, "last-name": last, "email": email}


def buy(client, token: str, event_id: str, attendees: list[dict], **attrs: Any):
    return client.post("/v1/orders", headers=auth(token), json=doc(
        "order", {"attendees": attendees, **attrs}, {"event": ("event", event_id)}))


def error(r) -> dict:
    return r.get_json()["errors"][0]


def events(db, routing_key: str) -> list[dict]:
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.routing_key == routing_key).order_by(OutboxMessage.id))
        return [json.loads(p)["data"] for p in rows]


def count(db, table) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table))
