"""Server-rendered pages for people (door staff, speaker owners, operators). They sign in
with a session cookie and every form carries a CSRF token; the JSON:API keeps its bearer
tokens. Views call the same service functions as the API and hold no business rule."""

from __future__ import annotations

from flask import Blueprint

from api.pages import (
    badge_design,
    dashboard,
    door,
    door_offline,  # noqa: F401  (its routes join door.bp)
    ops,
    session,
    speaker_groups,
    speakers,
    tickets,
)

bp = Blueprint("pages", __name__)
session.install(bp)
for child in (session.bp, door.bp, speakers.bp, speaker_groups.bp, ops.bp, dashboard.bp,
              badge_design.bp, tickets.bp):
    bp.register_blueprint(child)
