"""What schemathesis, run live as a client (`schemathesis run <BASE_URL>/v1/openapi.json`,
signed in, -n 25 --seed 1, every phase), found where the document and the API disagreed:
each test takes the document's own schema, and values it allows are accepted while values
it forbids are refused (never a 500)."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from api.list_query import MAX_LISTED, MAX_TEXT
from tests.support.api import assert_error, auth, create_event, sign_up


@pytest.fixture
def spec(client):
    return client.get("/v1/openapi.json").get_json()


def parameter(spec, path: str, name: str) -> dict:
    [found] = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found


def allows(schema: dict, value) -> bool:
    """Whether `value` is valid by `schema` (a JSON Schema validator, as schemathesis
    generates and checks by; OpenAPI's `nullable` is left out)."""
    return jsonschema_rs.is_valid(schema, value)


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("sort", ["", "name", "-starts-at,name"], ["2", "name,", "nope", "-"]),
    ("include", ["", "owner", "tickets.event", ",owner,,tickets"],
     ["2", "owner.x", "tickets.event.owner", "events"]),
])
def test_sort_and_include_state_their_choices(client, db, spec, name, good, bad):
    schema = parameter(spec, "/v1/events", name)["schema"]
    for value in good:
        assert allows(schema, value), value
        assert client.get("/v1/events", query_string={name: value}).status_code == 200, value
    for value in bad:
        assert not allows(schema, value), value
        assert_error(client.get("/v1/events", query_string={name: value}), 400)


def test_filter_is_json_of_the_conditions_the_api_takes(client, db, spec):
    param = parameter(spec, "/v1/events", "filter")
    schema = param["content"]["application/json"]["schema"]
    good = [[{"name": "name", "op": "eq", "val": "PyCon"}],
            {"name": "starts-at", "op": "ge", "val": "2027-01-01T00:00:00Z"},
            [{"name": "id", "op": "in", "val": [1, 2]}]]
    bad = [[{"name": "name", "op": ["eq", "ne"], "val": "x"}],  # was a 500
           [{"name": ["name"], "op": "eq", "val": "x"}],  # so was this
           [{"name": "name", "op": "eq", "val": "x", "extra": 1}],
           [{"name": "name", "op": "eq", "val": "x"}] * (MAX_LISTED + 1),
           [{"name": "id", "op": "in", "val": list(range(1, MAX_LISTED + 2))}],
           [{"name": "nope", "op": "eq", "val": 1}],
           [{"name": "name", "op": "eq", "val": "x" * (MAX_TEXT + 1)}]]
    for value in good:
        assert allows(schema, value), value
        r = client.get("/v1/events", query_string={"filter": json.dumps(value)})
        assert r.status_code == 200, (value, r.get_json())
    for value in bad:
        assert not allows(schema, value), value
        r = client.get("/v1/events", query_string={"filter": json.dumps(value)})
        assert_error(r, 400, "invalid_filter")


def test_true_or_false_is_compared_not_ordered(client, db, spec):
    """`is-hidden ge true` was a 500 (SQLAlchemy orders no boolean literal)."""
    token = sign_up(client, "o@example.com")
    path = f"/v1/events/{create_event(client, token)}/tickets"
    schema = parameter(spec, "/v1/events/{event_id}/tickets", "filter")["content"][
        "application/json"]["schema"]
    for op, status in (("eq", 200), ("ge", 400), ("lt", 400)):
        value = [{"name": "is-hidden", "op": op, "val": True}]
        assert allows(schema, value) is (status == 200), op
        r = client.get(path, headers=auth(token), query_string={"filter": json.dumps(value)})
        assert r.status_code == status, (op, r.get_json())


def test_a_parameter_name_is_looked_up_and_only_its_value_is_checked(client, db):
    assert client.get("/v1/events", query_string={"fields[\x13x]": "name"}).status_code == 200
    r = client.get("/v1/events", query_string={"fields[event]": "na\x13me"})
    assert assert_error(r, 422, "control_character")["source"] == {"parameter": "fields[event]"}


def test_ignored_members_may_hold_any_json_but_no_control_character(client, db, spec):
    body = spec["paths"]["/v1/auth/login"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    assert schema["additionalProperties"] == {"$ref": "#/components/schemas/Free"}
    free = {**spec["components"]["schemas"]["Free"], "components": spec["components"]}
    login = {"email": "nobody@example.com", "password": "password123"}
    for extra in ({"a": [1, {"b": "fine\n"}]}, {"a": {"b": [True, 2.5]}}):
        assert allows(free, extra["a"])
        assert client.post("/v1/auth/login", json={**login, **extra}).status_code == 401
    extra = {"a": [1, {"b": "no\x13"}]}
    assert not allows(free, extra["a"])
    assert_error(client.post("/v1/auth/login", json={**login, **extra}), 422,
                 "control_character", "/a/1/b")


def test_a_required_relationship_is_marked_and_its_absence_refused(client, db, spec):
    schema = spec["paths"]["/v1/tickets"]["post"]["requestBody"]["content"][
        "application/vnd.api+json"]["schema"]["properties"]["data"]
    assert "relationships" in schema["required"]
    assert schema["properties"]["relationships"]["required"] == ["event"]
    token = sign_up(client, "o@example.com")
    create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json={"data": {
        "type": "ticket", "attributes": {"name": "Day", "price": 0, "quantity": 5,
                                         "type": "free"}}})
    assert_error(r, 422, "missing_relationship", "/data/relationships/event")


def test_verification_states_its_body_and_a_scan_its_list_bound(client, db, spec):
    for path, fields in (("/v1/auth/verify-email", ["token"]),
                         ("/v1/staff-invitations/accept", ["token"]),
                         ("/v1/auth/password", ["current_password", "new_password"])):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"]["required"] == fields, path
    assert_error(client.post("/v1/auth/verify-email"), 400, "empty_body")
    scan = spec["paths"]["/v1/check-in"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]["check-in-list"]
    assert (scan["minimum"], scan["maximum"]) == (1, 2**31 - 1)
    r = client.post("/v1/check-in", json={"secret": "x", "check-in-list": 0},
                    headers=auth(sign_up(client, "d@example.com")))
    assert_error(r, 422, pointer="/data/attributes/check-in-list")
