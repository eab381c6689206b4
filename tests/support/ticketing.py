"""Client-side helpers for the ticketing API tests: tickets, on-site and online orders."""

from __future__ import annotations

from typing import Any

from tests.support.api import auth, doc


def make_ticket(client, token: str, event_id: str, quantity: int, **attrs: Any) -> str:
    """A ticket of `quantity` (max order 50 unless `attrs` says) made through the API."""
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": f"T{quantity}", "quantity": quantity, "max-order": 50, **attrs},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]["id"]


def onsite(client, token: str, event_id: str, tickets: Any, headers: dict | None = None,
           query: str = "?onsite=true"):
    """POST an on-site order of `tickets` (`...` leaves the attribute out)."""
    body = doc("order", {"on-site-tickets": tickets} if tickets is not ... else {},
               {"event": ("event", event_id)})
    return client.post(f"/v1/orders{query}", headers={**auth(token), **(headers or {})},
                       json=body)


def person(ticket_id: str, first: str = "Ada", last: str = "Lovelace",
           email: str = "ada@example.com") -> dict:
    return {"ticket-id": ticket_id, "first-name": first, "last-name": last, "email": email}


def buy(client, token: str, event_id: str, attendees: list[dict], **attrs: Any):
    """POST an online order with attendee details."""
    return client.post("/v1/orders", headers=auth(token), json=doc(
        "order", {"attendees": attendees, **attrs}, {"event": ("event", event_id)}))
