"""The API's Prometheus registry: request counts and latency, outbox lag at scrape time."""

from __future__ import annotations

import time

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from models.core.db import Database
from models.core.outbox import outbox_lag


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("venuebus_http_requests", "HTTP requests",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("venuebus_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], registry=self.registry)
        self.outbox_pending = Gauge("venuebus_outbox_pending", "Unpublished outbox rows",
                                    registry=self.registry)
        self.outbox_lag = Gauge("venuebus_outbox_lag_seconds",
                                "Age of the oldest unpublished outbox row",
                                registry=self.registry)

    def refresh(self, db: Database) -> None:
        with db.session() as session:
            count, age = outbox_lag(session)
        self.outbox_pending.set(count)
        self.outbox_lag.set(age)

    def install(self, app: Flask) -> None:
        @app.before_request
        def _start() -> None:
            g.started = time.perf_counter()

        @app.after_request
        def _count(response):
            endpoint = request.endpoint or "unknown"
            self.requests.labels(request.method, endpoint, str(response.status_code)).inc()
            if "started" in g:
                self.latency.labels(endpoint).observe(time.perf_counter() - g.started)
            return response
