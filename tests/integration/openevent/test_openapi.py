"""OpenAPI documents every route the organizer app calls, with the parameters it sends."""

from __future__ import annotations

import pytest

from models.core.queries import ALL_ROWS_CAP

LISTS = ["/v1/events", "/v1/users/{user_id}/events", "/v1/events/{event_id}/attendees",
         "/v1/events/{event_id}/tickets", "/v1/events/{event_id}/orders",
         "/v1/events/{event_id}/feedbacks"]
ONES = ["/v1/events/{event_id}", "/v1/orders/{identifier}",
        "/v1/orders/{identifier}/attendees", "/v1/attendees/{attendee_id}"]


@pytest.fixture(scope="module")
def spec():
    from api.app import create_app
    from api.openapi import build_spec
    from models.core.config import Config

    app = create_app(Config(database_url="sqlite://", secret_key="x" * 32))
    with app.app_context():
        return build_spec(app)


def params(spec, path: str, method: str = "get") -> dict[str, dict]:
    return {p["name"]: p for p in spec["paths"][path][method].get("parameters", [])}


@pytest.mark.parametrize("path", LISTS)
def test_lists_document_paging_include_fields_filter_and_sort(spec, path):
    found = params(spec, path)
    assert {"include", "fields", "page[number]", "page[size]", "filter", "sort"} <= set(found)
    assert f"{ALL_ROWS_CAP}" in found["page[size]"]["description"]
    assert found["page[size]"]["schema"]["minimum"] == 0
    assert "has" in found["filter"]["description"]


@pytest.mark.parametrize("path", ONES)
def test_single_resources_document_include_and_fields(spec, path):
    assert {"include", "fields"} <= set(params(spec, path))


def test_include_lists_the_relationships_it_accepts(spec):
    assert "order, ticket" in params(spec, "/v1/events/{event_id}/attendees")[
        "include"]["description"]
    assert "tickets" in params(spec, "/v1/events/{event_id}")["include"]["description"]
    assert "include" in params(spec, "/v1/attendees/{attendee_id}", "patch")


def test_login_and_statistics_are_documented(spec):
    assert "post" in spec["paths"]["/auth/session"]
    assert "get" in spec["paths"]["/v1/events/{event_id}/order-statistics"]
