"""The app factory: config in, Flask app out. Extensions are bound here, nowhere else."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from api import (
    account_security,
    allowed_usage,
    attendees,
    badge_images,
    badge_templates,
    badges,
    check_in_lists,
    discount_codes,
    events,
    exports,
    feedbacks,
    guest_requests,
    headers,
    health,
    invitations,
    openapi,
    orders,
    pages,
    payments,
    speaker_group_queue,
    speaker_groups,
    speaker_queue,
    speakers,
    staff,
    stats,
    text_input,
    tickets,
    timeline,
    users,
)
from api.auth import TokenVerifier, VerifiedTokens
from api.errors import register_error_handlers
from api.jsonapi import check_sparse_fields
from api.limits import BoundedInt
from api.metrics import ApiMetrics
from api.session_cookie import SessionCookies
from models.core.config import Config
from models.core.db import Database, api_connect_args

API_PING_IDLE_SECONDS = 1.0

BLUEPRINTS = [health.bp, openapi.bp, users.bp, account_security.bp, events.bp, tickets.bp,
              feedbacks.bp, orders.bp, attendees.bp, staff.bp, check_in_lists.bp,
              discount_codes.bp, stats.bp, speakers.bp, speaker_queue.bp, speaker_groups.bp,
              speaker_group_queue.bp,
              guest_requests.bp, badges.bp, badge_templates.bp, badge_images.bp,
              allowed_usage.bp, payments.bp, invitations.bp, timeline.bp, exports.bp,
              pages.bp]


@dataclass
class Venuebus:
    """What the views need, reached as `current_app.extensions["venuebus"]`."""

    config: Config
    db: Database
    metrics: ApiMetrics
    token_verifiers: list[TokenVerifier] = field(default_factory=list)
    verified_tokens: VerifiedTokens = field(default_factory=VerifiedTokens)
    clock: Callable[[], float] = time.time  # seconds since the epoch: tokens' expiry


def _database(config: Config) -> Database:
    """The API's engine pings a pooled connection only after a second idle: under load
    the ping was one of a check-in's five round trips."""
    if config.database_url.startswith("sqlite"):
        return Database(config)
    db = Database(config, pool_pre_ping=False, **api_connect_args(config.lock_timeout_ms))
    db.ping_when_idle(API_PING_IDLE_SECONDS)
    return db


def create_app(config: Config | None = None, db: Database | None = None, *,
               metrics_route: bool = False) -> Flask:
    """The API. `metrics_route` serves /metrics on the app's own port (--dev, tests); a
    deployment serves them on METRICS_PORT instead (cli/server.py)."""
    config = config or Config.from_env()
    app = Flask(__name__)
    https = config.base_url.startswith("https://")
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=config.max_content_length,
                      # explicit: Flask's default None made a setdefault of Lax a no-op
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https)
    app.json.sort_keys = False
    app.session_interface = SessionCookies()
    app.url_map.converters["int"] = BoundedInt  # before any rule is added
    if config.trusted_proxies:  # X-Forwarded-For names the client only behind our proxies
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies,
                                x_proto=config.trusted_proxies, x_host=config.trusted_proxies)
    metrics = ApiMetrics()
    app.extensions["venuebus"] = Venuebus(config=config, db=db or _database(config),
                                          metrics=metrics)
    if config.firebase_project_id:
        from api.firebase import FirebaseTokenVerifier
        from models.accounts.firebase import firebase_auth

        ext = app.extensions["venuebus"]
        ext.token_verifiers.append(FirebaseTokenVerifier(ext.db, firebase_auth(config)))
    metrics.install(app)
    if metrics_route:
        metrics.serve_on(app, app.extensions["venuebus"].db)
    headers.install(app, hsts=https)
    text_input.install(app)
    app.before_request(check_sparse_fields)
    register_error_handlers(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    return app
