"""Firebase Auth against the emulator: ID tokens sign users in (created on first sight),
and the mail consumer takes a Firebase user's address from Firebase Auth."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.app import create_app
from consumers.badges import render_badge
from consumers.mail import send_mail
from models.accounts.tables import User
from models.core.db import Database
from models.mail.tables import Mail
from tests.support import firebase_emulator as fb
from tests.support.api import auth, error
from tests.support.badges import badge_doc, rows
from tests.support.deliveries import handle, recorded
from tests.support.services import missing_service
from tests.support.smtp import html_part, smtp_server


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    reason = fb.missing_reason()
    if reason:
        missing_service(f"Firebase Auth emulator unavailable: {reason}")
    mp = pytest.MonkeyPatch()
    with fb.auth_emulator(tmp_path_factory.mktemp("firebase")) as host:
        # firebase-admin reads the emulator address from the environment itself
        mp.setenv("FIREBASE_AUTH_EMULATOR_HOST", host)
        yield host
    mp.undo()


@pytest.fixture
def fb_config(emulator, base_config, tmp_path):
    return base_config.with_(firebase_project_id=fb.PROJECT,
                             badge_storage=str(tmp_path / "badges"))


@pytest.fixture
def fb_client(fb_config, db):
    return create_app(fb_config, db).test_client()



def _render_and_mail(db, fb_config) -> list:
    """The badges and mail consumers handle what was recorded; the mails sent."""
    with smtp_server() as (url, inbox):
        consumer_db = Database(fb_config.with_(smtp_url=url))
        try:
            handle(consumer_db, render_badge, recorded(db, "badge.requested"))
            handle(consumer_db, send_mail, recorded(db, "badge.generated"))
        finally:
            consumer_db.dispose()
        return list(inbox.messages)

def test_firebase_id_token_signs_in_and_creates_the_user_once(fb_client, db, emulator):
    uid, token = fb.sign_up(emulator, "grace@example.com", "secret-pass-1", "Grace Hopper")
    for _ in range(2):
        r = fb_client.post("/v1/badges", headers=auth(token),
                           json=badge_doc({"rows": rows(1)}))
        assert r.status_code == 202, r.get_json()
    with db.session() as s:
        users = s.scalars(select(User).where(User.firebase_uid == uid)).all()
        assert s.scalar(select(func.count()).select_from(User)) == 1
    [user] = users
    # Firebase has not verified the address: it is not the account's yet
    assert (user.email, user.display_name, user.allowed_usage) == \
        (f"{uid}@firebase.invalid", "Grace Hopper", 198)
    fb.mark_email_verified(emulator, uid)
    fresh = fb.sign_in(emulator, "grace@example.com", "secret-pass-1")
    assert fb_client.get("/v1/users/1", headers=auth(fresh)).status_code == 200
    with db.session() as s:
        assert s.scalar(select(User.email).where(User.firebase_uid == uid)) == \
            "grace@example.com"


def test_an_unverified_firebase_email_links_to_nothing_and_a_verified_taken_one_is_409(
        fb_client, db, emulator):
    from tests.support.api import sign_up

    sign_up(fb_client, "ada@example.com")  # a local account (password) first
    uid, token = fb.sign_up(emulator, "ada@example.com", "secret-pass-1", "Ada")
    r = fb_client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 202  # an account of its own: Ada's address is not its
    with db.session() as s:
        assert set(s.scalars(select(User.email))) == {  # a uid may sort either side
            "ada@example.com", f"{uid}@firebase.invalid"}
    fb.mark_email_verified(emulator, uid)
    fresh = fb.sign_in(emulator, "ada@example.com", "secret-pass-1")
    r = fb_client.post("/v1/badges", headers=auth(fresh), json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 409 and error(r)["code"] == "email_taken"
    with db.session() as s:
        assert s.scalar(select(User.email).where(User.firebase_uid == uid)) == \
            f"{uid}@firebase.invalid"


def test_forged_or_garbage_tokens_are_still_401(fb_client, emulator):
    for token in ("not-a-token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."):
        r = fb_client.get("/v1/users/1", headers=auth(token))
        assert r.status_code == 401


def test_mail_goes_to_the_address_firebase_has_now(fb_client, fb_config, db, emulator):
    uid, token = fb.sign_up(emulator, "old@example.com", "secret-pass-1", "Grace Hopper")
    r = fb_client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 202
    fb.change_email(emulator, token, "new@example.com")  # the users table still says old@
    fb.mark_email_verified(emulator, uid)  # mail goes only to a verified address
    [mail] = _render_and_mail(db, fb_config)
    assert mail["To"] == "Grace Hopper <new@example.com>"
    assert "Hello Grace Hopper!" in html_part(mail)


def test_a_firebase_token_issued_before_a_revocation_is_refused(fb_client, emulator):
    import time

    uid, token = fb.sign_up(emulator, "rev@example.com", "secret-pass-1", "Rev")
    assert fb_client.get("/v1/users/1", headers=auth(token)).status_code == 200
    time.sleep(1.1)  # Firebase compares whole seconds: revoke after the token's second
    fb.revoke_refresh_tokens(emulator, uid)
    r = fb_client.get("/v1/users/1", headers=auth(token))
    assert r.status_code == 401 and error(r)["code"] == "token_revoked"
    fresh = fb.sign_in(emulator, "rev@example.com", "secret-pass-1")
    assert fb_client.get("/v1/users/1", headers=auth(fresh)).status_code == 200


def test_firebase_saying_email_verified_verifies_the_local_user_once(fb_client, db, emulator):
    uid, token = fb.sign_up(emulator, "v@example.com", "secret-pass-1", "V")
    assert fb_client.get("/v1/users/1", headers=auth(token)).get_json()["data"][
        "attributes"]["email-verified-at"] is None
    fb.mark_email_verified(emulator, uid)
    fresh = fb.sign_in(emulator, "v@example.com", "secret-pass-1")
    for _ in range(2):
        me = fb_client.get("/v1/users/1", headers=auth(fresh)).get_json()["data"]
        assert me["attributes"]["email-verified-at"]
    assert len(recorded(db, "user.email_verified")) == 1


def test_an_address_firebase_has_not_verified_gets_no_mail(fb_client, fb_config, db,
                                                          emulator):
    _, token = fb.sign_up(emulator, "unverified@example.com", "secret-pass-1", "U")
    r = fb_client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 202
    assert _render_and_mail(db, fb_config) == []
    with db.session() as s:
        assert s.scalar(select(Mail.status)) == "held"
