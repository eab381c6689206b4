"""Verified addresses: mail goes only to an address its owner has shown to read. A
password account is verified through a signed, expiring link mailed at sign-up; a
Firebase account when Firebase says `email_verified`. Verifying records
`user.email_verified` (the mail consumer then sends what it held), once."""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy import select, update

from contracts.accounts import UserEmailVerified
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.config import Config
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid
from models.core.uow import UnitOfWork

AUDIENCE = "venuebus:verify-email"  # never a bearer token: those carry no audience
ALGORITHM = "HS256"
VERIFY_PATH = "/v1/auth/verify-email"


def verification_token(config: Config, user_id: int, email: str) -> str:
    """A token that verifies `email` for the user until VERIFY_EMAIL_TTL_SECONDS pass; it
    names the address, so it cannot verify another one the account changes to."""
    if not config.secret_key:
        raise RuntimeError("no SECRET_KEY in this process: only the API and the mail "
                           "consumer sign links")
    now = utcnow()
    return jwt.encode({"sub": str(user_id), "email": email, "aud": AUDIENCE, "iat": now,
                       "exp": now + timedelta(seconds=config.verify_email_ttl_seconds)},
                      config.secret_key, algorithm=ALGORITHM)


def verification_link(config: Config, user_id: int, email: str) -> str:
    """The link mailed at sign-up, on BASE_URL (never on a request's Host)."""
    return f"{config.base_url}{VERIFY_PATH}?token={verification_token(config, user_id, email)}"


def _mark(uow: UnitOfWork, user_id: int) -> bool:
    now = utcnow()
    done = uow.session.execute(
        update(User).where(User.id == user_id, User.email_verified_at.is_(None))
        .values(email_verified_at=now).execution_options(synchronize_session=False))
    if not done.rowcount:
        return False
    uow.record(UserEmailVerified(user_id=user_id, verified_at=now.isoformat()))
    return True


def verify_email(db: Database, config: Config, token: str) -> User:
    """The user whose address `token` verifies, now marked verified (`user.email_verified`
    recorded). A token works once: Conflict (`verification_token_used`) once the address
    is verified. Invalid (`invalid_verification_token` or `verification_token_expired`)
    for anything else; nothing changed."""
    try:
        claims = jwt.decode(token, config.secret_key, algorithms=[ALGORITHM],
                            audience=AUDIENCE, options={"require": ["exp", "sub", "email"]})
        user_id = int(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise Invalid("This verification link has expired",
                      code="verification_token_expired", pointer="/token") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Invalid("This verification link is not valid", code="invalid_verification_token",
                      pointer="/token") from exc
    with UnitOfWork(db) as uow:
        user = uow.session.scalar(select(User).where(User.id == user_id))
        if user is None or user.email != claims["email"]:
            raise Invalid("This verification link is not valid",
                          code="invalid_verification_token", pointer="/token")
        if not _mark(uow, user_id):
            # the address is verified already: this token (or another) was used
            raise Conflict("This verification link was used already",
                           code="verification_token_used", pointer="/token")
        uow.commit()
        uow.session.refresh(user)
        return user


def mark_email_verified(db: Database, user_id: int) -> None:
    """Firebase says the address is verified: mark it (once; no-op when it already is)."""
    with UnitOfWork(db) as uow:
        if _mark(uow, user_id):
            uow.commit()


def is_verified(user: User) -> bool:
    return user.email_verified_at is not None


def require_verified(actor: User, doing: str) -> None:
    """Forbidden (`email_not_verified`) unless the actor's address is verified: what is
    addressed to an email belongs to whoever showed they read it, not to whoever typed it."""
    if not is_verified(actor):
        raise Forbidden(f"Verify your address first: {doing} needs a verified address",
                        code="email_not_verified")
