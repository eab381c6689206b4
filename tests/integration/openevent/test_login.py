"""The app's first calls: login, then the organizer and their events."""

from __future__ import annotations

import jwt

from tests.support.openevent import app_headers, identity, session_login


def test_session_token_carries_integer_identity_and_expiry(client, door):
    token = session_login(client, "organizer@example.com")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert isinstance(claims["identity"], int)
    assert isinstance(claims["exp"], int)
    r = client.get(f"/v1/users/{claims['identity']}", headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["attributes"]["email"] == "organizer@example.com"


def test_wrong_password_is_401_and_a_bad_scheme_is_refused(client, door):
    r = client.post("/auth/session", json={"email": "organizer@example.com",
                                           "password": "not-the-password"})
    assert r.status_code == 401
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/users/{identity(token)}", headers={"Authorization": f"Token {token}"})
    assert r.status_code == 401


def test_users_events_unpaginated_lists_owned_and_staffed_events(client, door):
    for email in ("organizer@example.com", "door@example.com"):
        token = session_login(client, email)
        r = client.get(f"/v1/users/{identity(token)}/events?page[size]=0",
                       headers=app_headers(token))
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert [e["id"] for e in body["data"]] == [door.event_id]
        attrs = body["data"][0]["attributes"]
        assert attrs["name"] == "FOSSASIA Summit"
        assert attrs["state"] == "published" and attrs["timezone"] == "UTC"
        assert body["meta"]["count"] == 1


def test_another_users_events_are_403(client, door):
    token = session_login(client, "door@example.com")
    owner_id = identity(session_login(client, "organizer@example.com"))
    r = client.get(f"/v1/users/{owner_id}/events?page[size]=0", headers=app_headers(token))
    assert r.status_code == 403


def test_event_with_its_tickets_included(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/events/{door.event_id}?include=tickets", headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    linked = body["data"]["relationships"]["tickets"]["data"]
    assert [t["id"] for t in linked] == door.ticket_ids
    included = {t["id"]: t["attributes"] for t in body["included"] if t["type"] == "ticket"}
    assert included[door.ticket_ids[1]]["name"] == "Supporter"
    assert included[door.ticket_ids[1]]["price"] == 25.5
    assert included[door.ticket_ids[1]]["quantity"] == 20
