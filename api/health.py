"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    db = current_app.extensions["venuebus"].db
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        return jsonify(status="unavailable", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


@bp.get("/metrics")
def metrics():
    ext = current_app.extensions["venuebus"]
    ext.metrics.refresh(ext.db)
    return Response(generate_latest(ext.metrics.registry), mimetype=CONTENT_TYPE_LATEST)
