"""Bearer tokens: our own JWTs, and any extra verifiers (Firebase) the app was built with."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import jwt
from flask import current_app, g, request

from models.base import utcnow
from models.errors import NotFound, Unauthorized
from models.tables import User
from models.users import get_user

SCHEMES = ("bearer", "jwt")  # Open Event's clients send "JWT <token>"
ALGORITHM = "HS256"


class TokenVerifier(Protocol):
    """Turns a foreign token into a local user, or returns None if it is not its kind."""

    def __call__(self, token: str) -> User | None: ...


def issue_token(user: User) -> str:
    cfg = current_app.extensions["venuebus"].config
    now = utcnow()
    claims = {"sub": str(user.id), "iat": now,
              "exp": now + timedelta(seconds=cfg.token_ttl_seconds), "iss": "venuebus"}
    return jwt.encode(claims, cfg.secret_key, algorithm=ALGORITHM)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in SCHEMES or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'", code="bad_token")
    return token.strip()


def _user_from_token(token: str) -> User:
    ext = current_app.extensions["venuebus"]
    try:
        claims = jwt.decode(token, ext.config.secret_key, algorithms=[ALGORITHM],
                            issuer="venuebus", options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token expired", code="token_expired") from exc
    except jwt.InvalidTokenError as exc:
        for verify in ext.token_verifiers:
            user = verify(token)
            if user is not None:
                return user
        raise Unauthorized("Invalid token", code="bad_token") from exc
    try:
        return get_user(ext.db, int(claims["sub"]))
    except (NotFound, ValueError) as exc:  # user deleted since the token was issued
        raise Unauthorized("Invalid token", code="bad_token") from exc
    # a database error goes on to the 503 handler: the token itself may be fine


def current_user() -> User | None:
    """The signed-in user, or None without an Authorization header (401 on a bad one)."""
    if "user" not in g:
        token = _bearer()
        g.user = _user_from_token(token) if token else None
    return g.user


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized("Sign in: send 'Authorization: Bearer <token>'",
                           code="missing_token")
    return user


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_user()
        return view(*args, **kwargs)

    wrapper._venuebus_auth = True  # read by the OpenAPI generator
    return wrapper
