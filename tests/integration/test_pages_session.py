"""Browser sign-in for the pages: a session cookie, CSRF on every POST, no open redirect,
and a token that outlives an hour (a door desk stays open all day)."""

from __future__ import annotations

import time

from models.accounts.users import create_user
from tests.support.pages import csrf_token

PASSWORD = "password123"


def sign_in(client, password: str = PASSWORD, next_path: str | None = None):
    query = f"?next={next_path}" if next_path else ""
    return client.post(f"/signin{query}", data={
        "email": "staff@example.com", "password": password, "csrf_token": csrf_token(client)})


def test_wrong_password_is_401_and_signs_nobody_in(client, db):
    create_user(db, "staff@example.com", PASSWORD)
    r = sign_in(client, "wrong-password")
    assert r.status_code == 401 and "Invalid email or password" in r.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still sent to sign in


def test_sign_in_returns_to_a_local_page_only(client, db, config):
    create_user(db, "staff@example.com", PASSWORD)
    home = f"{config.base_url}/home"
    assert sign_in(client, next_path="/speakers").headers["Location"] == \
        f"{config.base_url}/speakers"
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.post("/signout", data={"csrf_token": csrf_token(client, "/home")})
        location = sign_in(client, next_path=elsewhere).headers["Location"]
        assert location == home, elsewhere


def test_a_post_without_the_token_is_refused(client, db):
    create_user(db, "staff@example.com", PASSWORD)
    r = client.post("/signin", data={"email": "staff@example.com", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/home").status_code == 302


def test_the_csrf_token_outlives_an_hour(client, db, monkeypatch, config):
    create_user(db, "staff@example.com", PASSWORD)
    token = csrf_token(client)
    later = time.time() + 8 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    r = client.post("/signin", data={"email": "staff@example.com", "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == f"{config.base_url}/home"


def test_only_a_page_load_is_sent_to_sign_in(client, db, config):
    """An image or an htmx poll of a signed-out browser is refused without the sign-in
    page: followed, its new CSRF token would replace the one of the form on screen."""
    page = client.get("/home", headers={"Sec-Fetch-Dest": "document"})
    assert page.status_code == 302 and "/signin?next=" in page.headers["Location"]
    # the door's service worker fetches the desk's page for the browser ("empty")
    via_worker = client.get("/home", headers={"Sec-Fetch-Dest": "empty"})
    assert via_worker.status_code == 302
    image = client.get("/home", headers={"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"})
    assert image.status_code == 401 and "Set-Cookie" not in image.headers
    assert "Location" not in image.headers and "HX-Redirect" not in image.headers
    poll = client.get("/home", headers={"HX-Request": "true", "Sec-Fetch-Dest": "empty"})
    assert poll.status_code == 401 and "Set-Cookie" not in poll.headers
    assert poll.headers["HX-Redirect"] == "/signin?next=/home?"
    # the form on screen keeps working after both
    token = csrf_token(client)
    client.get("/home", headers={"Sec-Fetch-Dest": "image"})
    create_user(db, "staff@example.com", PASSWORD)
    r = client.post("/signin", data={"email": "staff@example.com", "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == f"{config.base_url}/home"
