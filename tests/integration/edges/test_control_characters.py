"""A NUL byte (PostgreSQL refuses it in text) or another control character that means
nothing in text, sent in any string an attacker controls: a JSON value (a date's too),
a query parameter, a JSON filter, a form field, a path segment. Each is a 422 JSON:API
error pointing at it, never a 500, and changes nothing, on both databases."""

from __future__ import annotations

import json

import pytest

from tests.support.api import JSONAPI, auth, doc
from tests.support.snapshot import database_rows, refused

BAD = ["\u0000", "a\u0000b", "\u0007", "x\u001b[31m", "\u007f"]


@pytest.mark.parametrize("bad", BAD)
def test_a_control_character_in_a_login_email_is_422_not_500(api, quiet_log, bad):
    before = database_rows(api.db)
    r = api.client.post("/auth/session", json={"email": bad, "password": "password123"})
    assert refused(api, before, r, 422, "control_character")["source"] == \
        {"pointer": "/email"}


@pytest.mark.parametrize("bad", BAD)
def test_a_control_character_in_any_json_string_is_422(api, shop, quiet_log, bad):
    owner, event_id, _, attendee = shop
    before = database_rows(api.db)
    r = api.client.post("/v1/users", json=doc("user", {"email": f"{bad}@example.com",
                                                       "password": "password123"}))
    refused(api, before, r, 422, "control_character")
    r = api.client.post("/v1/events", headers=auth(owner), json=doc("event", {
        "name": bad, "starts-at": "2027-03-01T09:00:00Z", "ends-at": "2027-03-02T18:00:00Z"}))
    assert refused(api, before, r, 422, "control_character")["source"] == \
        {"pointer": "/data/attributes/name"}
    body = {"data": {"type": "event", "attributes": {"name": "PyCon", "starts-at": bad,
                                                     "ends-at": "2027-03-02T18:00:00Z"}}}
    r = api.client.post("/v1/events", headers={**auth(owner), "Content-Type": JSONAPI},
                        data=json.dumps(body))
    assert refused(api, before, r, 422, "control_character")["source"] == \
        {"pointer": "/data/attributes/starts-at"}
    r = api.client.patch(f"/v1/events/{event_id}", headers=auth(owner), json=doc(
        "event", {"description": f"ok\n{bad}"}, id_=event_id))
    refused(api, before, r, 422, "control_character")


@pytest.mark.parametrize("bad", BAD)
def test_a_control_character_in_a_query_a_filter_a_form_or_a_path_is_422(
        api, shop, quiet_log, bad):
    owner, event_id, _, _ = shop
    before = database_rows(api.db)
    r = api.client.get(f"/v1/events/{event_id}/attendees", headers=auth(owner),
                       query_string={"filter[is-checked-in]": bad})
    assert refused(api, before, r, 422, "control_character")["source"] == \
        {"parameter": "filter[is-checked-in]"}
    flt = json.dumps([{"name": "firstname", "op": "eq", "val": bad}])
    r = api.client.get(f"/v1/events/{event_id}/attendees", headers=auth(owner),
                       query_string={"filter": flt})
    assert refused(api, before, r, 422, "control_character")["source"] == \
        {"parameter": "filter"}
    r = api.client.post("/signin", data={"email": bad, "password": "x"})
    refused(api, before, r, 422, "control_character")
    r = api.client.get(f"/v1/orders/ab{bad}cd", headers=auth(owner))
    refused(api, before, r, 422, "control_character")
