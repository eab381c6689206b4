"""Access to the app's bound objects from inside a request."""

from __future__ import annotations

from flask import current_app

from models.core.config import Config
from models.core.db import Database


def db() -> Database:
    return current_app.extensions["venuebus"].db


def config() -> Config:
    return current_app.extensions["venuebus"].config
