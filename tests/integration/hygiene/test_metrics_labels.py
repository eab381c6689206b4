"""The request metrics' labels take a bounded set of values whatever a client sends (an
odd method, a random path), and the public API answers 404 for /metrics unless it runs
for development."""

from __future__ import annotations

import secrets

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.metrics import METHODS

ALLOWED_METHODS = METHODS | {"other"}


@pytest.fixture
def dev_client(config, db):
    return create_app(config, db, metrics_route=True).test_client()


def request_labels(client) -> list[dict[str, str]]:
    text = client.get("/metrics").get_data(as_text=True)
    return [sample.labels for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "venuebus_http_requests_total"]


def test_odd_methods_and_random_paths_add_no_label_value(dev_client):
    app = dev_client.application
    endpoints = set(app.view_functions) | {"unknown"}
    odd = ["FOOBAR123", "get", "PROPFIND", *(secrets.token_hex(4).upper() for _ in range(20))]
    for method in odd:
        dev_client.open("/healthz", method=method)
    for _ in range(20):
        dev_client.get(f"/v1/{secrets.token_hex(8)}/{secrets.token_hex(8)}")
        dev_client.get(f"/v1/events/{secrets.randbelow(10**9)}")
    labels = request_labels(dev_client)
    methods = {label["method"] for label in labels}
    assert methods <= ALLOWED_METHODS and "other" in methods
    assert {label["endpoint"] for label in labels} <= endpoints
    # a route template, not the raw path: 20 different ids are one series
    assert sum(label["endpoint"] == "events.get_event" for label in labels) == 1
    text = dev_client.get("/metrics").get_data(as_text=True)
    assert "FOOBAR123" not in text and "PROPFIND" not in text
    # nor does the cache of the series' children grow with them
    metrics = app.extensions["venuebus"].metrics
    assert {method for method, _, _ in metrics.counts} <= ALLOWED_METHODS
    assert len(metrics.counts) == len(request_labels(dev_client))  # one per series
    assert len(metrics.latencies) <= len(endpoints)


def test_odd_methods_are_counted_as_other(dev_client):
    for _ in range(3):
        dev_client.open("/healthz", method="FOOBAR123")
    other = [label for label in request_labels(dev_client) if label["method"] == "other"]
    assert len(other) == 1 and other[0]["status"] == "405"


def test_dev_metrics_carry_the_outbox_gauges(dev_client):
    assert b"venuebus_outbox_pending" in dev_client.get("/metrics").data


def test_the_public_api_answers_404_for_metrics(client):
    r = client.get("/metrics")
    assert r.status_code == 404 and b"venuebus_http_requests" not in r.data
