"""Helpers for badge tests: users with a given usage, admin tokens, badge documents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from models.accounts.tables import User
from models.catalog.tables import Event
from tests.support.accounts import verify_address
from tests.support.api import auth, doc, login, sign_up


def set_usage(db, email: str, n: int, *, admin: bool = False) -> int:
    with db.session() as s:
        user_id = s.scalar(select(User.id).where(User.email == email))
        s.execute(update(User).where(User.id == user_id)
                  .values(allowed_usage=n, is_admin=admin))
        s.commit()
    return user_id


def usage_of(db, user_id: int) -> int:
    with db.session() as s:
        return s.scalar(select(User.allowed_usage).where(User.id == user_id))


def user_with_usage(client, db, email: str, n: int, *, admin: bool = False,
                    verified: bool = True) -> tuple[int, str]:
    """Sign up `email` through the API, verify the address through the verification
    endpoint (unless `verified` is False: its badge mail is then held), then set its
    usage (and admin flag)."""
    sign_up(client, email)
    if verified:
        verify_address(client, email)
    user_id = set_usage(db, email, n, admin=admin)
    return user_id, login(client, email)


def vouched_user_with_usage(client, db, email: str, n: int) -> tuple[int, str]:
    """A user an operator created (`venuebus users create`: the address counts as
    verified, no verification mail is sent) with `n` usage; for running systems whose
    mail consumer would otherwise mail a verification link too."""
    from models.accounts.users import create_user

    create_user(db, email, "password123", verified=True)
    return set_usage(db, email, n), login(client, email)


def attendees_for(client, db, token: str, event_id: str, names: list[str], *,
                  cancel: int | None = None) -> dict[str, str]:
    """Attendees of `event_id` (one "Full conference" ticket, one order); the attendee at
    index `cancel` is cancelled. Returns name → check-in secret of the active ones."""
    from models.ticketing.orders.place import AttendeeDetails, place_order
    from models.ticketing.tables import Attendee

    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "Full conference", "quantity": 100, "max-order": 50},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    ticket_id = int(r.get_json()["data"]["id"])
    with db.session() as s:  # the owner buys them: any signed-in user may
        buyer = s.get(User, s.get(Event, int(event_id)).owner_id)
    people = [AttendeeDetails(ticket_id, *name.split(" ", 1)) for name in names]
    placed = place_order(db, buyer, int(event_id), people)
    with db.session() as s:
        if cancel is not None:
            gone = s.get(Attendee, placed.attendees[cancel].id)
            gone.is_cancelled, gone.unit = True, None
            s.commit()
        active = s.scalars(select(Attendee).where(Attendee.is_cancelled.is_(False))).all()
        return {f"{a.first_name} {a.last_name}": a.checkin_secret for a in active}


def rows(n: int, *, secrets: bool = False) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        row = {"name": f"Attendee {i:04d}", "line-2": "Speaker", "line-3": "PyCon 2027"}
        if secrets:
            row["secret"] = f"checkin-secret-{i:04d}"
        out.append(row)
    return out


def badge_doc(attributes: dict[str, Any], relationships=None) -> dict:
    return doc("badge", attributes, relationships)
