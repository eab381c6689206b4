"""Verifying addresses the way their owners do: through the verification endpoint with
the signed token the sign-up mail carries (mail is held until then), or by following
the link in that mail."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from models.accounts.tables import User
from models.accounts.verification import verification_token, verify_email
from models.core.db import Database
from tests.support.api import sign_up
from tests.support.processes import wait_until
from tests.support.smtp import Inbox

LINK = re.compile(r"https?://\S+/v1/auth/verify-email\?token=[\w.-]+")


def verify_address(client, email: str) -> None:
    """Verify `email`'s account through `POST /v1/auth/verify-email` with the token its
    sign-up mail would carry (signed with the app's key)."""
    ext = client.application.extensions["venuebus"]
    with ext.db.session() as s:
        user_id = s.scalar(select(User.id).where(User.email == email.lower()))
    token = verification_token(ext.config, user_id, email.lower())
    r = client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.get_json()


def sign_up_verified(client, email: str, password: str = "password123") -> str:
    """`sign_up`, then verify the address: a bearer token of a verified account."""
    token = sign_up(client, email, password)
    verify_address(client, email)
    return token


def verify_user(db: Database, user: User) -> None:
    """`verify_address` for service-level tests: the service the endpoint calls."""
    verify_email(db, db.config, verification_token(db.config, user.id, user.email))


def link_in(mail) -> str:
    """The verification link of a sign-up mail."""
    found = LINK.search(mail.get_body(("plain",)).get_content())
    assert found, "no verification link in the mail"
    return found.group(0)


def follow_link(client, inbox: Inbox, email: str, timeout: float = 30.0) -> None:
    """Wait for `email`'s verification mail and follow its link (on this client)."""
    def mine():
        return [m for m in inbox.messages if m["To"] == email and
                m["Subject"].startswith("Verify")]

    wait_until(lambda: mine(), timeout=timeout, what=f"the verification mail to {email}")
    link = urlsplit(link_in(mine()[0]))
    assert client.get(f"{link.path}?{link.query}").status_code == 200  # the confirm page
    r = client.post(link.path, json={"token": parse_qs(link.query)["token"][0]})
    assert r.status_code == 200, r.get_json()


def verified_by_mail(client, inbox: Inbox, email: str) -> None:
    """For a running system: follow `email`'s verification link, then empty the inbox,
    so that what arrives next is what the test is about."""
    follow_link(client, inbox, email)
    with inbox.lock:
        inbox.messages.clear()


def let_time_pass(db: Database, seconds: float) -> None:
    """The throttle's windows started `seconds` earlier: as if that much time passed
    (argon2 on a loaded machine makes a real short window flaky)."""
    from datetime import timedelta

    from models.accounts.tables import AuthThrottle

    with db.session() as s:
        for row in s.scalars(select(AuthThrottle)):
            row.window_started_at -= timedelta(seconds=seconds)
        s.commit()


def accept_staff_invitation(db: Database, user: User, invitation) -> object:
    """`user` accepts `invitation` the way invitees do: with the address verified, through
    the signed link mailed to it (its token made with the app's key)."""
    from models.accounts.verification import mark_email_verified
    from models.core.base import utcnow
    from models.ticketing.invitation_links import invitation_token
    from models.ticketing.invitations import accept_invitation
    from models.ticketing.tables import StaffInvitation

    if user.email_verified_at is None:
        mark_email_verified(db, user.id)
        user.email_verified_at = utcnow()
    with db.session() as s:
        current = s.get(StaffInvitation, invitation.id)
    return accept_invitation(db, user, invitation_token(db.config, current))


def link_token(client, invitation_id) -> str:
    """The token of the link mailed for invitation `invitation_id` (as it stands now)."""
    from models.ticketing.invitation_links import invitation_token
    from models.ticketing.tables import StaffInvitation

    ext = client.application.extensions["venuebus"]
    with ext.db.session() as s:
        invitation = s.get(StaffInvitation, int(invitation_id))
    return invitation_token(ext.config, invitation)


def accept_link(client, bearer: str, invitation_id, token: str | None = None):
    """POST the token of invitation `invitation_id`'s mailed link (or `token`) as `bearer`."""
    return client.post("/v1/staff-invitations/accept",
                       headers={"Authorization": f"Bearer {bearer}"},
                       json={"token": token or link_token(client, invitation_id)})


def verify_if_needed(client, email: str) -> None:
    """`verify_address`, unless the address is verified already."""
    ext = client.application.extensions["venuebus"]
    with ext.db.session() as s:
        verified = s.scalar(select(User.email_verified_at).where(User.email == email.lower()))
    if verified is None:
        verify_address(client, email)
