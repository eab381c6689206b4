"""Access to the app's bound objects from inside a request."""

from __future__ import annotations

from flask import current_app, request

from models.core.config import Config
from models.core.db import Database


def db() -> Database:
    return current_app.extensions["venuebus"].db


def config() -> Config:
    return current_app.extensions["venuebus"].config


def client_address() -> str:
    """The client's address (the peer's; with TRUSTED_PROXIES the app's ProxyFix has
    taken it from X-Forwarded-For, which is ignored otherwise)."""
    return request.remote_addr or "unknown"


