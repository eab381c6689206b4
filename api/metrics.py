"""The API's Prometheus metrics: request counts and latency, outbox lag at scrape time.

Label values are bounded: `method` is one of METHODS or `other`, `endpoint` the route's
endpoint name (`unknown` when no route matched), never the raw path, so a client cannot
grow the series by sending odd methods or paths. Under gunicorn every worker writes its
counts to PROMETHEUS_MULTIPROC_DIR and `metrics_registry` sums them (cli/server.py)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from models.core.db import Database
from models.core.outbox import outbox_lag

METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


class OutboxCollector(Collector):
    """The outbox's pending rows and the age of the oldest, read when scraped."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self):
        with self.db.session() as session:
            count, age = outbox_lag(session)
        yield GaugeMetricFamily("venuebus_outbox_pending", "Unpublished outbox rows", count)
        yield GaugeMetricFamily("venuebus_outbox_lag_seconds",
                                "Age of the oldest unpublished outbox row", age)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("venuebus_http_requests", "HTTP requests",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("venuebus_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], registry=self.registry)
        # each series' child, looked up once (labels() validates and locks on every call);
        # keyed by label values only, so bounded as they are
        self.counts: dict[tuple[str, str, int], Any] = {}
        self.latencies: dict[str, Any] = {}

    def install(self, app: Flask) -> None:
        @app.before_request
        def _start() -> None:
            g.started = time.perf_counter()

        @app.after_request
        def _count(response):
            endpoint = request.endpoint or "unknown"
            key = (method_label(request.method), endpoint, response.status_code)
            counter = self.counts.get(key)
            if counter is None:
                counter = self.counts[key] = self.requests.labels(key[0], endpoint, str(key[2]))
            counter.inc()
            if "started" in g:
                latency = self.latencies.get(endpoint)
                if latency is None:
                    latency = self.latencies[endpoint] = self.latency.labels(endpoint)
                latency.observe(time.perf_counter() - g.started)
            return response

    def serve_on(self, app: Flask, db: Database) -> None:
        """Serve this process's metrics at /metrics on the app's own port: for --dev and
        tests only (one process; the public port never serves them otherwise)."""
        self.registry.register(OutboxCollector(db))
        app.add_url_rule("/metrics", "metrics", _metrics_view)


def _metrics_view():
    return Response(generate_latest(current_app.extensions["venuebus"].metrics.registry),
                    mimetype=CONTENT_TYPE_LATEST)


def metrics_registry(multiproc_dir: str, db: Database) -> CollectorRegistry:
    """Every gunicorn worker's counts (summed from `multiproc_dir`) and the outbox gauges."""
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiproc_dir)
    registry.register(OutboxCollector(db))
    return registry
