"""Staff invitations go to the invited address, not to whoever signs up with it (issue
22 §2), played by that someone: an account that signed up with the invited address and
never verified it can neither list nor accept; acceptance goes only through the signed,
single-use link the mail consumer mails to the address (real SMTP server), exactly once."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import func, select

from consumers.mail import MailSender, send_mail
from consumers.mailer import SmtpMailer
from models.core.db import Database
from models.ticketing.invitation_links import AUDIENCE
from models.ticketing.tables import EventStaff
from tests.support.accounts import verify_address
from tests.support.api import assert_error, auth, create_event, invite, sign_up
from tests.support.deliveries import handle, recorded

LINK = re.compile(r"https?://\S+/v1/staff-invitations/accept\?token=[\w.-]+")
BOSS = "door@example.com"


@pytest.fixture
def consumer_db(db, base_config, smtp):
    database = Database(base_config.with_(smtp_url=smtp[0]))
    yield database
    database.dispose()


@pytest.fixture
def invited(client, db):
    """(owner token, event id, invitation id): BOSS is invited, nobody accepted yet."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    r = invite(client, owner, event_id, BOSS)
    assert r.status_code == 201, r.get_json()
    return owner, event_id, r.get_json()["data"]["id"]


def _staff_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(EventStaff))


def _mailed_token(consumer_db, db, smtp) -> str:
    handle(consumer_db, send_mail, recorded(db, "staff.invited"))
    [mail] = [m for m in smtp[1].messages if m["To"] == BOSS]
    found = LINK.search(mail.get_body(("plain",)).get_content())
    assert found, "no acceptance link in the invitation mail"
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


def test_an_unverified_account_with_the_invited_address_can_neither_list_nor_accept(
        client, db, consumer_db, smtp, invited):
    squatter = sign_up(client, BOSS)  # signs up with the address, never verifies it
    token = _mailed_token(consumer_db, db, smtp)  # even holding the mailed link
    assert_error(client.get("/v1/staff-invitations", headers=auth(squatter)), 403,
                 "email_not_verified")
    r = client.post("/v1/staff-invitations/accept", headers=auth(squatter),
                    json={"token": token})
    assert_error(r, 403, "email_not_verified")
    assert_error(client.post(f"/v1/staff-invitations/{invited[2]}/decline",
                             headers=auth(squatter)), 403, "email_not_verified")
    assert client.post(f"/v1/staff-invitations/{invited[2]}/accept",
                       headers=auth(squatter)).status_code in (404, 405)  # no id route
    assert _staff_count(db) == 0
    _, event_id, _ = invited
    assert client.get(f"/v1/events/{event_id}/attendees",
                      headers=auth(squatter)).status_code == 403


def test_the_mailed_link_accepts_once_for_its_verified_holder_only(
        client, db, consumer_db, smtp, invited):
    holder = sign_up(client, BOSS)
    verify_address(client, BOSS)
    other = sign_up(client, "other@example.com")
    verify_address(client, "other@example.com")
    token = _mailed_token(consumer_db, db, smtp)
    page = client.get(f"/v1/staff-invitations/accept?token={token}")  # a scanner's prefetch
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert _staff_count(db) == 0
    assert_error(client.post("/v1/staff-invitations/accept", headers=auth(other),
                             json={"token": token}), 404)  # not their address
    r = client.post("/v1/staff-invitations/accept", headers=auth(holder),
                    json={"token": token})
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["status"] == "accepted"
    assert_error(client.post("/v1/staff-invitations/accept", headers=auth(holder),
                             json={"token": token}), 409, "invitation_link_used")
    assert _staff_count(db) == 1


def test_forged_and_foreign_tokens_accept_nothing(client, db, base_config, invited):
    holder = sign_up(client, BOSS)
    verify_address(client, BOSS)
    claims = {"sub": str(invited[2]), "email": BOSS, "nonce": "guessed", "aud": AUDIENCE,
              "exp": int(time.time()) + 600}
    forged = jwt.encode(claims, "not-our-key-" * 4, algorithm="HS256")
    guessed = jwt.encode(claims, base_config.secret_key, algorithm="HS256")  # nonce wrong
    for token, status, code in ((forged, 422, "invalid_invitation_link"),
                                (holder, 422, "invalid_invitation_link"),  # a bearer token
                                ("garbage", 422, "invalid_invitation_link"),
                                (guessed, 409, "invitation_link_used")):
        r = client.post("/v1/staff-invitations/accept", headers=auth(holder),
                        json={"token": token})
        assert_error(r, status, code)
    assert _staff_count(db) == 0


def test_inviting_again_after_a_decline_mails_a_new_link_and_voids_the_old(
        client, db, consumer_db, smtp, invited):
    owner, event_id, invitation_id = invited
    holder = sign_up(client, BOSS)
    verify_address(client, BOSS)
    old = _mailed_token(consumer_db, db, smtp)
    client.post(f"/v1/staff-invitations/{invitation_id}/decline", headers=auth(holder))
    assert invite(client, owner, event_id, BOSS).status_code == 201
    smtp[1].messages.clear()
    new = _mailed_token(consumer_db, db, smtp)
    assert new != old
    assert_error(client.post("/v1/staff-invitations/accept", headers=auth(holder),
                             json={"token": old}), 409, "invitation_link_used")
    assert client.post("/v1/staff-invitations/accept", headers=auth(holder),
                       json={"token": new}).status_code == 200


def test_the_invitation_mail_goes_once_even_when_the_consumer_dies_after_the_hand_over(
        db, consumer_db, smtp, invited):
    [delivery] = recorded(db, "staff.invited")

    class DiesAfterHandOver:
        def send(self, message):
            SmtpMailer(smtp[0]).send(message)
            raise SystemExit("killed")  # before the outcome could be committed

    with pytest.raises(SystemExit):
        handle(consumer_db, MailSender(lambda c: DiesAfterHandOver()).handle, [delivery])
    handle(consumer_db, send_mail, [delivery])  # the broker redelivers
    handle(consumer_db, send_mail, [delivery], consumer=None)  # even untracked
    [mail] = smtp[1].messages
    assert mail["To"] == BOSS and "staff" in mail["Subject"]


def test_a_firebase_email_counts_for_invitations_only_once_firebase_verified_it(
        client, db, invited):
    """Firebase's word is taken only with `email_verified` true: an ID token naming the
    invited address, unverified, lists and accepts nothing (the token verifier is fed the
    identity directly; tests/integration/test_firebase.py runs it against the emulator)."""
    from api.firebase import FirebaseTokenVerifier
    from models.accounts.firebase import FirebaseIdentity
    from models.core.errors import Forbidden
    from models.ticketing.invitations import accept_invitation, my_invitations
    from tests.support.accounts import link_token

    class Says:
        verified = False

        def verify(self, token: str) -> FirebaseIdentity:
            return FirebaseIdentity(uid="fb-door", email=BOSS, display_name=None,
                                    email_verified=self.verified)

    firebase = Says()
    user = FirebaseTokenVerifier(db, firebase)("an id token")
    token = link_token(client, invited[2])
    for attempt in (lambda: my_invitations(db, user),
                    lambda: accept_invitation(db, user, token)):
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.code == "email_not_verified"
    assert _staff_count(db) == 0
    firebase.verified = True
    user = FirebaseTokenVerifier(db, firebase)("an id token")
    assert [i.email for i in my_invitations(db, user)] == [BOSS]
    assert accept_invitation(db, user, token).status == "accepted"
    assert _staff_count(db) == 1
