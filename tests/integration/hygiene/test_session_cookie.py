"""The pages' session cookie is SameSite=Lax (explicitly: Flask's default of None made a
setdefault a no-op, and a cross-site POST carried the cookie), HttpOnly, and Secure when
BASE_URL is https; such a deployment sends HSTS on every answer, a plain-HTTP one never."""

from __future__ import annotations

import pytest

from api.app import create_app
from models.accounts.users import create_user
from tests.integration.hygiene.conftest import BASE_URL
from tests.support.pages import csrf_token

PASSWORD = "password123"


def session_cookie(client, db) -> str:
    create_user(db, "staff@example.com", PASSWORD)
    r = client.post("/signin", data={"email": "staff@example.com", "password": PASSWORD,
                                     "csrf_token": csrf_token(client)})
    assert r.status_code == 302
    [cookie] = [v for v in r.headers.getlist("Set-Cookie") if v.startswith("session=")]
    return cookie


def attributes(cookie: str) -> set[str]:
    """The cookie's attributes, lower-cased (`samesite=lax`, `secure`, ...)."""
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_on_https_the_session_cookie_is_lax_secure_httponly_and_hsts_is_sent(client, db):
    assert BASE_URL.startswith("https://")
    cookie = session_cookie(client, db)
    assert {"samesite=lax", "secure", "httponly"} <= attributes(cookie), cookie
    for path in ("/signin", "/v1/events", "/healthz"):
        hsts = client.get(path).headers.get("Strict-Transport-Security", "")
        assert hsts.startswith("max-age=") and int(hsts[8:].split(";")[0]) >= 31536000, path


@pytest.fixture
def plain_client(config, db):
    return create_app(config.with_(base_url="http://127.0.0.1:8000"), db).test_client()


def test_on_plain_http_the_cookie_is_lax_not_secure_and_no_hsts(plain_client, db):
    cookie = session_cookie(plain_client, db)
    found = attributes(cookie)
    assert {"samesite=lax", "httponly"} <= found and "secure" not in found, cookie
    assert "Strict-Transport-Security" not in plain_client.get("/signin").headers
