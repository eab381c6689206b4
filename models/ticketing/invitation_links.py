"""The link that accepts a staff invitation: signed (SECRET_KEY), naming the invitation,
its address and the nonce of this (re)invitation, expiring. It is mailed to the invited
address only, so accepting proves that one reads it; it works once (the nonce is cleared
when the invitation is answered) and a new invitation voids the old link."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from models.core.base import utcnow
from models.core.config import Config
from models.core.errors import Invalid
from models.ticketing.tables import StaffInvitation

AUDIENCE = "venuebus:staff-invitation"  # never a bearer or verification token
ALGORITHM = "HS256"
ACCEPT_PATH = "/v1/staff-invitations/accept"
LINK_TTL = timedelta(days=14)


@dataclass(frozen=True)
class LinkClaims:
    invitation_id: int
    email: str
    nonce: str


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def nonce_digest(nonce: str) -> str:
    """Names one link (in the mail record) without being it."""
    return hashlib.sha256(nonce.encode()).hexdigest()[:16]


def invitation_token(config: Config, invitation: StaffInvitation) -> str:
    now = utcnow()
    return jwt.encode({"sub": str(invitation.id), "email": invitation.email,
                       "nonce": invitation.link_nonce, "aud": AUDIENCE, "iat": now,
                       "exp": now + LINK_TTL}, config.secret_key, algorithm=ALGORITHM)


def invitation_link(config: Config, invitation: StaffInvitation) -> str:
    """The link mailed to the invited address, on BASE_URL."""
    return f"{config.base_url}{ACCEPT_PATH}?token={invitation_token(config, invitation)}"


def read_invitation_token(config: Config, token: str) -> LinkClaims:
    """The claims of a valid link; Invalid (`invalid_invitation_link`) for anything else."""
    try:
        claims = jwt.decode(token, config.secret_key, algorithms=[ALGORITHM],
                            audience=AUDIENCE,
                            options={"require": ["exp", "sub", "email", "nonce"]})
        return LinkClaims(int(claims["sub"]), str(claims["email"]), str(claims["nonce"]))
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise Invalid("This invitation link is not valid", code="invalid_invitation_link",
                      pointer="/token") from exc
