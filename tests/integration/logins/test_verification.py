"""Mail goes only to verified addresses, played by someone who signs up with an address
that is not theirs: the sign-up mails a link (signed, expiring) to the address; until it
is followed the badge renders but its mail is held (the badge says so) and no admin can
grant usage; once verified, the held mail goes, once. Forged, expired or stale links
verify nothing."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from consumers.badges import render_badge
from consumers.mail import send_mail
from models.accounts.users import create_user
from models.core.db import Database
from tests.support.accounts import link_in, verify_address
from tests.support.api import assert_error, auth, login
from tests.support.badges import badge_doc, rows, usage_of, user_with_usage
from tests.support.deliveries import handle, recorded

BASE_URL = "https://events.example.org"


@pytest.fixture
def consumer_db(db, base_config, tmp_path, smtp):
    database = Database(base_config.with_(badge_storage=str(tmp_path / "badges"),
                                          smtp_url=smtp[0]))
    yield database
    database.dispose()


def _badge_mail(client, url: str, token: str) -> dict:
    return client.get(url, headers=auth(token)).get_json()["data"]["attributes"]["mail"]


def test_sign_up_mails_a_link_that_verifies_and_then_the_held_badge_mail_goes_once(
        client, db, consumer_db, smtp):
    user_id, token = user_with_usage(client, db, "eve@example.com", 5, verified=False)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    url = r.headers["Location"]
    handle(consumer_db, render_badge, recorded(db, "badge.requested"))
    handle(consumer_db, send_mail, recorded(db, "badge.generated"))
    assert smtp[1].messages == []  # no badge mail to an unverified address
    assert _badge_mail(client, url, token)["status"] == "held"
    assert client.get(f"{url}/file", headers=auth(token)).status_code == 200  # rendered

    handle(consumer_db, send_mail, recorded(db, "user.signed_up"))
    [verify] = smtp[1].messages
    assert verify["To"] == "eve@example.com"
    link = urlsplit(link_in(verify))
    # on BASE_URL, never on the request's Host (the test client's is http://localhost)
    assert f"{link.scheme}://{link.netloc}" == db.config.base_url != "http://localhost"
    page = client.get(f"{link.path}?{link.query}")  # what a mail scanner's prefetch does
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert recorded(db, "user.email_verified") == []  # the GET verified nothing
    mailed = link.query.split("=", 1)[1]
    r = client.post(link.path, json={"token": mailed})
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["email-verified-at"]
    assert_error(client.post(link.path, json={"token": mailed}), 409,
                 "verification_token_used")  # a token works once
    [verified] = recorded(db, "user.email_verified")
    for _ in range(2):  # a redelivery sends nothing more
        handle(consumer_db, send_mail, [verified])
    assert [m["Subject"] for m in smtp[1].messages[1:]] == [
        f"Badge Generated {url.rsplit('/', 1)[1]}"]
    assert _badge_mail(client, url, token)["status"] == "sent"


def test_the_link_uses_base_url_when_one_is_configured(client, db, consumer_db, smtp):
    user_with_usage(client, db, "eve@example.com", 0, verified=False)
    with_base = Database(consumer_db.config.with_(base_url=BASE_URL))
    try:
        handle(with_base, send_mail, recorded(db, "user.signed_up"))
    finally:
        with_base.dispose()
    [mail] = smtp[1].messages
    assert link_in(mail).startswith(f"{BASE_URL}/v1/auth/verify-email?token=")


def test_forged_expired_and_stale_links_verify_nothing(client, db, base_config):
    import jwt

    from models.accounts.verification import AUDIENCE, verification_token

    user = create_user(db, "eve@example.com", "password123")
    forged = jwt.encode({"sub": str(user.id), "email": user.email, "aud": AUDIENCE,
                         "exp": int(time.time()) + 600}, "not-our-key-" * 4, algorithm="HS256")
    expired = verification_token(base_config.with_(verify_email_ttl_seconds=-10), user.id,
                                 user.email)
    stale = verification_token(base_config, user.id, "old-address@example.com")
    bearer = login(client, "eve@example.com")  # a bearer token is no verification token
    for token, code in ((forged, "invalid_verification_token"),
                        (expired, "verification_token_expired"),
                        (stale, "invalid_verification_token"),
                        (bearer, "invalid_verification_token"),
                        ("garbage", "invalid_verification_token")):
        assert_error(client.post("/v1/auth/verify-email", json={"token": token}), 422, code)
    assert_error(client.post("/v1/auth/verify-email", json={}), 422, "missing_token")
    me = client.get(f"/v1/users/{user.id}", headers=auth(bearer)).get_json()["data"]
    assert me["attributes"]["email-verified-at"] is None
    assert recorded(db, "user.email_verified") == []


def test_usage_cannot_be_granted_to_an_unverified_user_until_they_verify(client, db):
    user_id, _ = user_with_usage(client, db, "eve@example.com", 5, verified=False)
    _, admin = user_with_usage(client, db, "admin@example.com", 0, admin=True)
    grant = {"data": {"type": "user-allowed-usage", "attributes": {"allowed-usage": 50}}}
    r = client.post(f"/v1/admin/users/{user_id}/allowed-usage", headers=auth(admin),
                    json=grant)
    assert_error(r, 409, "email_not_verified")
    assert usage_of(db, user_id) == 5
    verify_address(client, "eve@example.com")
    r = client.post(f"/v1/admin/users/{user_id}/allowed-usage", headers=auth(admin),
                    json=grant)
    assert r.status_code == 200 and usage_of(db, user_id) == 55


def test_a_prefetched_link_verifies_nothing_and_the_page_button_verifies_once(client, db):
    """A mail scanner GETs every link: only the page's button (a form POST) verifies."""
    user = create_user(db, "eve@example.com", "password123")
    from models.accounts.verification import verification_token

    token = verification_token(db.config, user.id, user.email)
    for _ in range(3):
        page = client.get(f"/v1/auth/verify-email?token={token}")
        assert page.status_code == 200 and b'name="token"' in page.data
    assert _verified_at(client, user) is None and recorded(db, "user.email_verified") == []
    button = client.post("/v1/auth/verify-email", data={"token": token})
    assert button.status_code == 200 and b"Address verified" in button.data
    assert _verified_at(client, user) is not None
    again = client.post("/v1/auth/verify-email", data={"token": token})
    assert again.status_code == 409 and b"used already" in again.data
    assert len(recorded(db, "user.email_verified")) == 1


def _verified_at(client, user):
    token = login(client, user.email)
    me = client.get(f"/v1/users/{user.id}", headers=auth(token)).get_json()["data"]
    return me["attributes"]["email-verified-at"]
