"""The baseline for bench/orders.py: a bare Flask endpoint doing one INSERT, served by
the same gunicorn on the same database, so the ratio shows what our layers cost."""

from __future__ import annotations

import os

from flask import Flask, jsonify
from sqlalchemy import create_engine, text

DDL = ("CREATE TABLE IF NOT EXISTS bench_baseline (id BIGSERIAL PRIMARY KEY, "
       "at TIMESTAMPTZ NOT NULL DEFAULT now(), device TEXT)")


def create_app(database_url: str | None = None) -> Flask:
    engine = create_engine(database_url or os.environ["DATABASE_URL"], pool_pre_ping=True)
    app = Flask(__name__)

    @app.post("/insert")
    def insert():
        with engine.begin() as conn:
            row = conn.execute(text("INSERT INTO bench_baseline (device) VALUES ('bench') "
                                    "RETURNING id")).scalar_one()
        return jsonify(id=row), 201

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app
