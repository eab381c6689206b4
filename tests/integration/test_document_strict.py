"""What schemathesis, run live as a client, found the document and the API disagreeing on
(issue 22 §9), each checked both ways: the document states the rule, and the API keeps it
(a refusal changes nothing)."""

from __future__ import annotations

import pytest

from models.catalog.tables import Event
from tests.support.api import assert_error, auth, create_event, doc, sign_up
from tests.support.outbox import count


@pytest.fixture
def spec(client):
    return client.get("/v1/openapi.json").get_json()


def _ticket_count(client, token, event_id) -> int:
    r = client.get(f"/v1/events/{event_id}/tickets", headers=auth(token))
    return len(r.get_json()["data"])


@pytest.mark.parametrize("value", [0, 1, "1", "yes", "on", 0.0])
def test_a_boolean_attribute_takes_only_true_or_false(client, db, value):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "T", "quantity": 5, "is-hidden": value},
        {"event": ("event", event_id)}))
    assert_error(r, 422, pointer="/data/attributes/is-hidden")
    assert _ticket_count(client, token, event_id) == 0
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "T", "quantity": 5, "is-hidden": True},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("value", [{}, 1, [], None])
def test_a_resource_id_is_a_string(client, db, value):
    token = sign_up(client, "o@example.com")
    body = doc("event", {"name": "PyCon", "starts-at": "2027-01-01T00:00:00Z",
                         "ends-at": "2027-01-02T00:00:00Z", "timezone": "UTC"})
    body["data"]["id"] = value
    r = client.post("/v1/events", headers=auth(token), json=body)
    assert_error(r, 400, "not_jsonapi", "/data/id")
    assert count(db, Event) == 0


def test_badge_attributes_are_documented_with_their_types_and_null_is_refused(
        client, db, spec):
    schemas = spec["components"]["schemas"]
    assert schemas["BadgeTemplate"]["properties"]["name"]["type"] == "string"
    assert schemas["BadgeTemplate"]["properties"]["template"]["type"] == "object"
    badge = schemas["Badge"]["properties"]
    assert [badge[k]["type"] for k in ("rows", "csv", "ticket-ids", "template")] == \
        ["array", "string", "array", "object"]
    assert not any(badge[k].get("nullable") for k in ("rows", "csv", "ticket-ids"))
    token = sign_up(client, "o@example.com")
    r = client.post("/v1/badge-templates", headers=auth(token), json=doc(
        "badge-template", {"name": None, "template": None}))
    assert_error(r, 422)


def test_linkage_ids_are_documented_as_ids(spec):
    body = spec["paths"]["/v1/discount-codes/{code_id}/relationships/tickets"]["post"]
    item = body["requestBody"]["content"]["application/vnd.api+json"]["schema"][
        "properties"]["data"]["items"]
    assert item["properties"]["id"]["pattern"] == "^[1-9][0-9]{0,8}$"


def test_the_discount_code_list_documents_its_required_event_filter(client, db, spec):
    [param] = [p for p in spec["paths"]["/v1/discount-codes"]["get"]["parameters"]
               if p["name"] == "filter[event]"]
    assert param["required"] is True
    token = sign_up(client, "o@example.com")
    assert_error(client.get("/v1/discount-codes", headers=auth(token)), 400,
                 "invalid_filter")


def test_a_scan_upload_documents_its_scans(spec):
    path = "/v1/events/{event_id}/check-in-lists/{list_id}/scans"
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"][
        "schema"]
    assert schema["required"] == ["scans"]
    assert schema["properties"]["scans"]["maxItems"] == 500
    assert schema["properties"]["scans"]["items"]["required"] == [
        "attendee", "nonce", "scanned-at"]


@pytest.mark.parametrize("value", [2.5, 1e-05, 2.5890419884777833e-42])
def test_an_integer_attribute_refuses_a_fraction(client, db, spec, value):
    """marshmallow cut 2.5 to 2, and schemathesis's 2.6e-42 made a ticket of 0."""
    schema = spec["components"]["schemas"]["Ticket"]["properties"]["quantity"]
    assert schema["type"] == "integer"
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "T", "quantity": value}, {"event": ("event", event_id)}))
    assert_error(r, 422, pointer="/data/attributes/quantity")
    assert _ticket_count(client, token, event_id) == 0
    r = client.post(f"/v1/events/{event_id}/check-in-lists", headers=auth(token), json=doc(
        "check-in-list", {"name": "Hall", "ticket-ids": [value]}))
    assert_error(r, 422, pointer="/data/attributes/ticket-ids")
    # 5.0 is an integer to JSON Schema, and a ticket of five to the API
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "T", "quantity": 5.0}, {"event": ("event", event_id)}))
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["quantity"] == 5


def test_an_optional_relationship_sent_as_null_is_refused(client, db, spec):
    """A badge design's event may be left out; `"event": null` read as left out, where
    the document says a sent relationship is `{"data": {"type", "id"}}`."""
    rel = spec["paths"]["/v1/badge-templates"]["post"]["requestBody"]["content"][
        "application/vnd.api+json"]["schema"]["properties"]["data"]["properties"][
        "relationships"]["properties"]["event"]
    assert rel["type"] == "object" and not rel.get("nullable")
    token = sign_up(client, "o@example.com")
    body = doc("badge-template", {"name": "Plain", "template": {}})
    body["data"]["relationships"] = {"event": None}
    r = client.post("/v1/badge-templates", headers=auth(token), json=body)
    assert_error(r, 422, "invalid_relationship", "/data/relationships/event")
    assert client.get("/v1/badge-templates", headers=auth(token)).get_json()["data"] == []
    del body["data"]["relationships"]
    assert client.post("/v1/badge-templates", headers=auth(token), json=body).status_code \
        == 201
