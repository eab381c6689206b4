"""Rules the OpenAPI document now states where it used to leave them to a 422 (issue 22
§9, schemathesis run live as a client): an event's timezone is one of IANA's names, the
document listing them; an order PATCH needs its `status`; a numeric filter value is a
number or its digits. Each checked both ways, and a refusal changes nothing."""

from __future__ import annotations

import json
import zoneinfo

import jsonschema_rs
import pytest

from api.choices import iana_timezones
from models.catalog.tables import Event
from tests.support.api import assert_error, auth, create_event, doc, sign_up
from tests.support.outbox import count
from tests.support.ticketing import make_ticket, onsite

EVENT = {"name": "PyCon", "starts-at": "2027-01-01T00:00:00Z",
         "ends-at": "2027-01-02T00:00:00Z"}


@pytest.fixture
def spec(client):
    return client.get("/v1/openapi.json").get_json()


def test_the_document_lists_the_timezones_the_api_takes(client, db, spec):
    """schemathesis drew "000…0" from `type: string` and the API answered 422."""
    for name in ("Event", "EventPatch"):
        zone = spec["components"]["schemas"][name]["properties"]["timezone"]
        assert zone["enum"] == sorted(iana_timezones()), name
    assert {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"} <= iana_timezones()
    assert "localtime" not in iana_timezones()
    for zone_name in iana_timezones():  # every listed name is one the API can use
        zoneinfo.ZoneInfo(zone_name)
    token = sign_up(client, "o@example.com")
    for bad in ("0" * 63, "Mars/Olympus", "localtime", "../../etc/passwd", "europe/berlin"):
        r = client.post("/v1/events", headers=auth(token),
                        json=doc("event", {**EVENT, "timezone": bad}))
        assert_error(r, 422, pointer="/data/attributes/timezone")
    assert count(db, Event) == 0
    r = client.post("/v1/events", headers=auth(token),
                    json=doc("event", {**EVENT, "timezone": "America/Argentina/Buenos_Aires"}))
    assert r.status_code == 201, r.get_json()


def test_an_order_patch_states_that_it_needs_a_status(client, db, spec):
    body = spec["paths"]["/v1/orders/{identifier}"]["patch"]["requestBody"]["content"][
        "application/vnd.api+json"]["schema"]["properties"]["data"]
    assert "attributes" in body["required"]
    name = body["properties"]["attributes"]["$ref"].rsplit("/", 1)[1]
    attributes = spec["components"]["schemas"][name]
    assert attributes["required"] == ["status"]
    assert attributes["properties"]["status"]["enum"] == ["completed", "cancelled"]
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    ticket_id = make_ticket(client, token, event_id, 5)
    order = onsite(client, token, event_id, [{"id": ticket_id, "quantity": 1}]).get_json()
    path = f"/v1/orders/{order['data']['attributes']['identifier']}"
    r = client.patch(path, headers=auth(token), json={"data": {"type": "order"}})
    assert_error(r, 422, "invalid_status", "/data/attributes/status")
    after = client.get(path, headers=auth(token)).get_json()["data"]["attributes"]
    assert after["status"] == order["data"]["attributes"]["status"]


def _filter_schema(spec, path: str) -> dict:
    [param] = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "filter"]
    return param["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("path", "condition"), [
    ("/v1/events/{event_id}/tickets", {"name": "price", "op": "ge", "val": "{}"}),
    ("/v1/events/{event_id}/feedbacks",
     {"name": "event", "op": "has", "val": {"name": "average-rating", "op": "le",
                                            "val": "{}"}}),
])
def test_a_numeric_filter_value_is_a_number_or_its_digits(client, db, spec, path,
                                                          condition):
    """Open Event's frontend sends "25.50"; the document now says so, and the API no longer
    takes whatever Decimal() reads ("1e5", "NaN", "1_000", " 4"), which it forbids."""
    schema = _filter_schema(spec, path)
    token = sign_up(client, "o@example.com")
    url = path.format(event_id=create_event(client, token))

    def where(val):
        return json.loads(json.dumps([condition]).replace('"{}"', json.dumps(val)))

    for good in (4.5, 4, "4.5", "-4", "25.50"):
        assert jsonschema_rs.is_valid(schema, where(good)), good
        r = client.get(url, headers=auth(token),
                       query_string={"filter": json.dumps(where(good))})
        assert r.status_code == 200, (good, r.get_json())
    for bad in ("1e5", "NaN", "Infinity", "1_000", " 4", "4.", "", True, [4]):
        assert not jsonschema_rs.is_valid(schema, where(bad)), bad
        r = client.get(url, headers=auth(token),
                       query_string={"filter": json.dumps(where(bad))})
        assert_error(r, 400, "invalid_filter")



def test_a_sparse_fieldset_nested_an_object_deeper_is_refused(client, db, spec):
    """schemathesis sent `fields[][m]=9007199254740992.0` (an object where the document
    says a string) to GET /v1/orders/{identifier}/attendees and got 200."""
    [fields] = [p for p in spec["paths"]["/v1/events"]["get"]["parameters"]
                if p["name"] == "fields"]
    assert fields["style"] == "deepObject"
    assert fields["schema"]["additionalProperties"]["type"] == "string"
    for name in ("fields[][m]", "fields[event][name]", "fields[a][b][c]"):
        r = client.get("/v1/events", query_string={name: "1"})
        assert assert_error(r, 400, "invalid_fields")["source"] == {"parameter": name}
    token = sign_up(client, "o@example.com")
    create_event(client, token)
    # a stray bracket is a name like any other, looked up (the live run's `fields[[\x8d…]`)
    r = client.get("/v1/events", query_string={"fields[event]": "name", "fields[x": "1",
                                                "fields[[x]": "1", "fields[x]]": "1"})
    assert r.status_code == 200 and r.get_json()["data"][0]["attributes"] == {
        "name": "PyCon"}
