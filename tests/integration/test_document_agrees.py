"""The OpenAPI document states what the API enforces, and the API refuses what the
document forbids: required bodies and attributes, page[number]'s bound, `links` and
`meta` members that are objects, strings without control characters."""

from __future__ import annotations

import re

import pytest

from api.jsonapi import MAX_PAGE_NUMBER
from tests.support.api import assert_error, auth, create_event, doc, sign_up


@pytest.fixture
def spec(client):
    return client.get("/v1/openapi.json").get_json()


def request_schema(spec, path: str, method: str) -> dict:
    body = spec["paths"][path][method]["requestBody"]
    assert body["required"] is True
    return body["content"]["application/vnd.api+json"]["schema"]["properties"]["data"]


def test_a_create_requires_its_body_and_attributes_and_a_patch_requires_neither(spec):
    assert "attributes" in request_schema(spec, "/v1/events", "post")["required"]
    patch = request_schema(spec, "/v1/events/{event_id}", "patch")
    assert "attributes" not in patch["required"]
    name = patch["properties"]["attributes"]["$ref"].rsplit("/", 1)[1]
    assert "required" not in spec["components"]["schemas"][name]


def test_a_create_without_attributes_is_refused_as_documented(client, db):
    token = sign_up(client, "o@example.com")
    r = client.post("/v1/events", headers=auth(token), json={"data": {"type": "event"}})
    assert_error(r, 422)


def test_page_number_states_its_bound_and_past_it_is_400(client, db, spec):
    [param] = [p for p in spec["paths"]["/v1/events"]["get"]["parameters"]
               if p["name"] == "page[number]"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER}
    assert client.get(f"/v1/events?page[number]={MAX_PAGE_NUMBER}").status_code == 200
    r = client.get(f"/v1/events?page[number]={MAX_PAGE_NUMBER + 1}")
    assert assert_error(r, 400, "invalid_page_parameter")["source"] == \
        {"parameter": "page[number]"}


@pytest.mark.parametrize("member", ["links", "meta"])
@pytest.mark.parametrize("value", ["x", 1, [], None])
def test_links_or_meta_of_the_wrong_type_is_refused(client, db, member, value):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    body = doc("event", {"name": "Renamed"}, id_=event_id)
    body["data"][member] = value
    r = client.patch(f"/v1/events/{event_id}", headers=auth(token), json=body)
    assert_error(r, 400, "not_jsonapi", f"/data/{member}")
    assert client.get(f"/v1/events/{event_id}").get_json()["data"]["attributes"][
        "name"] == "PyCon"


def test_every_free_string_sent_states_that_control_characters_are_refused(spec):
    strings = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"format", "enum"} & set(node):
                strings.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["paths"])
    walk(spec["components"]["schemas"]["Event"])
    assert len(strings) > 20
    for schema in strings:
        if "pattern" in schema and "\\u0000" not in schema["pattern"]:
            continue  # a pattern of its own, narrower (codes, ids)
        pattern = re.compile(schema["pattern"].encode().decode("unicode_escape"))
        assert pattern.match("line\nbreak\tand tab") and not pattern.match("a\x00b")
