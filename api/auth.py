"""Bearer tokens: our own JWTs, and any extra verifiers (Firebase) the app was built with."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import jwt
from flask import current_app, g, request

from models.accounts.tables import User
from models.accounts.tokens import confirm_token
from models.accounts.users import get_user
from models.core.base import utcnow
from models.core.errors import NotFound, Unauthorized

SCHEMES = ("bearer", "jwt")  # Open Event's clients send "JWT <token>"
ALGORITHM = "HS256"


class TokenVerifier(Protocol):
    """Turns a foreign token into a local user, or returns None if it is not its kind."""

    def __call__(self, token: str) -> User | None: ...


def issue_token(user: User) -> str:
    cfg = current_app.extensions["venuebus"].config
    now = utcnow()
    # `identity`: Open Event's clients (the organizer app) read the user id from it
    # `ver`: the user's token version at issue; a logout, a password change or
    # deactivation bumps it and so revokes this token
    claims = {"sub": str(user.id), "identity": user.id, "ver": user.token_version, "iat": now,
              "exp": now + timedelta(seconds=cfg.token_ttl_seconds), "iss": "venuebus"}
    return jwt.encode(claims, cfg.secret_key, algorithm=ALGORITHM)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in SCHEMES or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>' or 'JWT <token>'",
                           code="bad_token")
    return token.strip()


class VerifiedTokens:
    """Our own tokens already verified by this process: token → (user id, token version,
    expiry). A scanner sends the same token thousands of times; its signature needs
    checking once. Only the expiry is checked again (the claims of a given token never
    change); whether the version is still the user's is checked with the user, on every
    request. One per app: it holds what that app's secret verified."""

    LIMIT = 4096

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[int, int, float]] = {}

    def get(self, token: str) -> tuple[int, int] | None:
        hit = self.tokens.get(token)
        if hit is None:
            return None
        if hit[2] <= time.time():
            self.tokens.pop(token, None)
            return None
        return hit[0], hit[1]

    def put(self, token: str, user_id: int, version: int, expires: float) -> None:
        if len(self.tokens) >= self.LIMIT:
            self.tokens.clear()
        self.tokens[token] = (user_id, version, expires)


def _subject(token: str) -> tuple[int, int, User | None]:
    """(user id, token version, user): what our own JWT names (the user not looked up:
    None), or the user a verifier (Firebase) found for a foreign token, with its current
    version."""
    ext = current_app.extensions["venuebus"]
    cached = ext.verified_tokens.get(token)
    if cached is not None:
        return (*cached, None)
    try:
        claims = jwt.decode(token, ext.config.secret_key, algorithms=[ALGORITHM],
                            issuer="venuebus", options={"require": ["exp", "sub", "ver"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token expired", code="token_expired") from exc
    except jwt.InvalidTokenError as exc:
        for verify in ext.token_verifiers:
            user = verify(token)
            if user is not None:
                return user.id, user.token_version, user
        raise Unauthorized("Invalid token", code="bad_token") from exc
    try:
        user_id, version = int(claims["sub"]), int(claims["ver"])
    except (TypeError, ValueError) as exc:
        raise Unauthorized("Invalid token", code="bad_token") from exc
    ext.verified_tokens.put(token, user_id, version, float(claims["exp"]))
    return user_id, version, None


def _user_from_token(token: str) -> User:
    user_id, version, user = _subject(token)
    if user is None:
        try:
            user = get_user(current_app.extensions["venuebus"].db, user_id)
        except NotFound as exc:  # user deleted since the token was issued
            raise Unauthorized("Invalid token", code="bad_token") from exc
    return confirm_token(user, version)
    # a database error goes on to the 503 handler: the token itself may be fine


def current_user() -> User | None:
    """The signed-in user, or None without an Authorization header (401 on a bad one)."""
    if "user" not in g:
        token = _bearer()
        g.user = _user_from_token(token) if token else None
    return g.user


def _missing() -> Unauthorized:
    return Unauthorized("Sign in: send 'Authorization: Bearer <token>'", code="missing_token")


def signed_in() -> tuple[int, int]:
    """(user id, token version) from the token alone (401 without one). For the hot paths
    whose service confirms the user and the version in its own transaction
    (`models.ticketing.checkin.scan`): that saves the request a connection checkout and three
    round trips."""
    ctx = g._get_current_object()  # once: each use of the proxy looks up the context
    if ctx.get("user") is not None:
        return ctx.user.id, ctx.user.token_version
    if "user_id" not in ctx:
        token = _bearer()
        if not token:
            raise _missing()
        ctx.user_id, ctx.token_version, user = _subject(token)
        if user is not None:
            ctx.user = confirm_token(user, ctx.token_version)
    return ctx.user_id, ctx.token_version


def require_user() -> User:
    user = current_user()
    if user is None:
        raise _missing()
    return user


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_user()
        return view(*args, **kwargs)

    wrapper._venuebus_auth = True  # read by the OpenAPI generator
    return wrapper


def token_required(view: Callable) -> Callable:
    """`login_required` that checks the token only; the view passes `signed_in()` to a
    service that confirms the user (and the token's version) itself."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        signed_in()
        return view(*args, **kwargs)

    wrapper._venuebus_auth = True
    return wrapper
