"""Revoked tokens, played by someone who kept one: after a logout, a password change or
an admin's deactivation, a token issued before is refused (401) by the API and by the
door (whose statement checks it, in the same four round trips), and changes nothing."""

from __future__ import annotations

import pytest

from models.accounts.users import create_user
from tests.support.api import assert_error, auth, login
from tests.support.door import PASSWORD, make_door_world, scans_of
from tests.support.pages import csrf_token
from tests.support.statements import statements


@pytest.fixture
def world(db):
    return make_door_world(db)


def _scan(client, token: str, world, name: str = "Ada"):
    return client.post("/v1/check-in", headers=auth(token),
                       json={"secret": world.secret(name), "device-name": "Main door"})


def _me(client, token: str, user_id: int):
    return client.get(f"/v1/users/{user_id}", headers=auth(token))


def _assert_refused(client, db, token: str, world, user_id: int) -> None:
    assert_error(_me(client, token, user_id), 401, "token_revoked")
    before = len(scans_of(db, world.attendees["Grace"]))
    assert_error(_scan(client, token, world, "Grace"), 401, "token_revoked")
    assert len(scans_of(db, world.attendees["Grace"])) == before  # nothing recorded


def test_a_token_from_before_logout_is_refused_by_the_api_and_the_door(client, db, world):
    old = login(client, "door@example.com", PASSWORD)
    assert _scan(client, old, world).status_code == 200  # verified and cached by the app
    assert client.post("/v1/auth/logout", headers=auth(old)).status_code == 204
    _assert_refused(client, db, old, world, world.staff.id)
    new = login(client, "door@example.com", PASSWORD)
    assert _scan(client, new, world, "Grace").status_code == 200


def test_a_password_change_revokes_earlier_tokens_and_the_new_password_signs_in(client, db,
                                                                              world):
    old = login(client, "door@example.com", PASSWORD)
    other_device = login(client, "door@example.com", PASSWORD)
    assert _scan(client, other_device, world).status_code == 200
    r = client.post("/v1/auth/password", headers=auth(old),
                    json={"current_password": PASSWORD, "new_password": "another-secret-9"})
    assert r.status_code == 200
    fresh = r.get_json()["access_token"]
    for token in (old, other_device):
        _assert_refused(client, db, token, world, world.staff.id)
    assert _scan(client, fresh, world, "Grace").status_code == 200
    assert_error(client.post("/v1/auth/login", json={"email": "door@example.com",
                                                     "password": PASSWORD}), 401)
    assert login(client, "door@example.com", "another-secret-9")


def test_a_wrong_current_password_changes_nothing(client, world):
    token = login(client, "door@example.com", PASSWORD)
    r = client.post("/v1/auth/password", headers=auth(token),
                    json={"current_password": "not-it", "new_password": "another-secret-9"})
    assert_error(r, 401, "invalid_credentials")
    assert _me(client, token, world.staff.id).status_code == 200  # not revoked
    assert login(client, "door@example.com", PASSWORD)
    r = client.post("/v1/auth/password", headers=auth(token),
                    json={"current_password": PASSWORD, "new_password": "short"})
    assert_error(r, 422)
    assert login(client, "door@example.com", PASSWORD)


def test_deactivation_by_an_admin_refuses_tokens_and_sign_in_until_reactivated(client, db,
                                                                              world):
    create_user(db, "admin@example.com", PASSWORD, is_admin=True)
    admin = login(client, "admin@example.com", PASSWORD)
    staff = login(client, "door@example.com", PASSWORD)
    assert _scan(client, staff, world).status_code == 200
    # a non-admin cannot deactivate anyone
    assert_error(client.post(f"/v1/admin/users/{world.owner.id}/deactivation",
                             headers=auth(staff)), 403, "admin_only")
    r = client.post(f"/v1/admin/users/{world.staff.id}/deactivation", headers=auth(admin))
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["is-active"] is False
    _assert_refused(client, db, staff, world, world.staff.id)
    assert_error(client.post("/v1/auth/login", json={"email": "door@example.com",
                                                     "password": PASSWORD}),
                 403, "account_deactivated")
    assert client.delete(f"/v1/admin/users/{world.staff.id}/deactivation",
                         headers=auth(admin)).status_code == 200
    _assert_refused(client, db, staff, world, world.staff.id)  # old tokens stay revoked
    assert _scan(client, login(client, "door@example.com", PASSWORD), world,
                 "Grace").status_code == 200


def test_the_door_keeps_its_two_statements_with_the_token_check(client, db, world):
    token = login(client, "door@example.com", PASSWORD)
    assert _scan(client, token, world, "Alan").status_code == 200  # warm: prepared
    with statements(db) as seen:
        assert _scan(client, token, world).status_code == 200
    assert seen == ["EXECUTE door_lock_by_secret", "EXECUTE door_write_scan"]
    client.post("/v1/auth/logout", headers=auth(token))
    with statements(db) as seen:
        assert_error(_scan(client, token, world, "Grace"), 401, "token_revoked")
    assert seen[0] == "EXECUTE door_lock_by_secret"  # refused by the same statement


def test_a_page_session_ends_with_an_api_logout_and_a_page_sign_out_revokes_tokens(client,
                                                                                 world):
    client.post("/signin", data={"email": "door@example.com", "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert client.get("/home").status_code == 200
    token = login(client, "door@example.com", PASSWORD)
    client.post("/v1/auth/logout", headers=auth(token))
    assert client.get("/home").status_code == 302  # the session was revoked too
    client.post("/signin", data={"email": "door@example.com", "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    token = login(client, "door@example.com", PASSWORD)
    assert client.post("/signout", data={"csrf_token": csrf_token(client, "/home")}
                       ).status_code == 302
    assert_error(_me(client, token, world.staff.id), 401, "token_revoked")


def test_the_door_refuses_a_revoked_token_on_sqlite_too(tmp_path):
    from api.app import create_app
    from models.core.config import Config
    from models.core.migrate import upgrade
    from tests.support.api import create_event, sign_up
    from tests.support.speaker_identity import random_secret_key
    from tests.support.ticketing import make_ticket, onsite

    url = f"sqlite:///{tmp_path}/door.db"
    upgrade(url)
    app = create_app(Config(database_url=url, secret_key=random_secret_key()))
    client = app.test_client()
    try:
        owner = sign_up(client, "owner@example.com")
        event_id = create_event(client, owner)
        ticket = make_ticket(client, owner, event_id, 5)
        aid = onsite(client, owner, event_id, [{"id": ticket, "quantity": 2}]) \
            .get_json()["included"][0]["id"]
        assert client.post(f"/v1/attendees/{aid}/check-in", headers=auth(owner),
                           json={}).status_code == 200
        client.post("/v1/auth/logout", headers=auth(owner))
        r = client.post(f"/v1/attendees/{aid}/check-out", headers=auth(owner), json={})
        assert_error(r, 401, "token_revoked")
    finally:
        app.extensions["venuebus"].db.dispose()
