"""Helpers that speak to the API the way a client does."""

from __future__ import annotations

from typing import Any

JSONAPI = "application/vnd.api+json"


def doc(type_: str, attributes: dict[str, Any] | None = None,
        relationships: dict[str, tuple[str, Any]] | None = None, id_: Any = None) -> dict:
    data: dict[str, Any] = {"type": type_, "attributes": attributes or {}}
    if id_ is not None:
        data["id"] = str(id_)
    if relationships:
        data["relationships"] = {k: {"data": {"type": t, "id": str(i)}}
                                 for k, (t, i) in relationships.items()}
    return {"data": data}


def error(r) -> dict:
    """The first error object of a JSON:API error response."""
    return r.get_json()["errors"][0]


def assert_error(r, status: int, code: str | None = None, pointer: str | None = None) -> dict:
    """`r` is a JSON:API error document with `status` (and `code`, `source.pointer` when
    given), a title and a detail; returns its first error object."""
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == JSONAPI
    err = error(r)
    assert err["status"] == str(status)
    assert err["title"] and err["detail"]
    if code:
        assert err["code"] == code
    if pointer:
        assert err["source"]["pointer"] == pointer
    return err


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": JSONAPI}


def sign_up(client, email: str, password: str = "password123") -> str:
    """Create a user through the API and return a bearer token for it."""
    r = client.post("/v1/users", json=doc("user", {"email": email, "password": password}),
                    headers={"Content-Type": JSONAPI})
    assert r.status_code == 201, r.get_json()
    return login(client, email, password)


def login(client, email: str, password: str = "password123") -> str:
    r = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]


def create_event(client, token: str, name: str = "PyCon") -> str:
    r = client.post("/v1/events", headers=auth(token), json=doc("event", {
        "name": name, "starts-at": "2027-03-01T09:00:00Z", "ends-at": "2027-03-02T18:00:00Z"}))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]["id"]


def invite(client, owner: str, event_id: str, email: str):
    """The owner's invitation of `email` to the event's staff (the response)."""
    return client.post(f"/v1/events/{event_id}/staff-invitations", headers=auth(owner),
                       json=doc("staff-invitation", {"email": email}))


def make_staff(client, owner: str, event_id: str, email: str, token: str) -> None:
    """Staff the way people become staff: the owner invites, the holder of `token` (whose
    address `email` is, verified) accepts through the link mailed to it."""
    from tests.support.accounts import accept_link, verify_if_needed

    r = invite(client, owner, event_id, email)
    assert r.status_code == 201, r.get_json()
    verify_if_needed(client, email)
    r = accept_link(client, token, r.get_json()["data"]["id"])
    assert r.status_code == 200, r.get_json()
