"""Speaking to venuebus exactly as Open Event's organizer app does: login at
/auth/session, the user id from the token's `identity`, `Authorization: JWT <token>`."""

from __future__ import annotations

import jwt

from tests.support.api import JSONAPI


def session_login(client, email: str, password: str = "password123") -> str:
    """The app's login: POST /auth/session, then the token's `identity` is the user id."""
    r = client.post("/auth/session", json={"email": email, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]


def identity(token: str) -> int:
    return jwt.decode(token, options={"verify_signature": False})["identity"]


def app_headers(token: str) -> dict[str, str]:
    """What the app sends with every call after login."""
    return {"Authorization": f"JWT {token}", "Content-Type": JSONAPI,
            "Accept": JSONAPI}
