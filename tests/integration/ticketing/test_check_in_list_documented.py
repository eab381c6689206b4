"""Answers as documented (issue 22 §9): a check-in list's `status`, `sync` and `scans`
answer JSON:API documents, and the document says so (it said `application/json`, and
schemathesis reported every answer's content type as undocumented)."""

from __future__ import annotations

import pytest

from tests.support.api import auth, login
from tests.support.documented import assert_documented
from tests.support.door import PASSWORD, make_door_world

PATH = "/v1/events/{event_id}/check-in-lists/{list_id}"


@pytest.mark.parametrize(("method", "tail", "body"), [
    ("GET", "/status", None), ("GET", "/sync", None), ("POST", "/scans", {"scans": []})])
def test_a_lists_counters_sync_and_scans_answer_as_documented(client, db, method, tail, body):
    world = make_door_world(db)
    token = login(client, world.staff.email, PASSWORD)
    lists = client.get(f"/v1/events/{world.event.id}/check-in-lists", headers=auth(token))
    list_id = lists.get_json()["data"][0]["id"]
    url = PATH.format(event_id=world.event.id, list_id=list_id) + tail
    r = client.open(url, method=method, headers=auth(token), json=body)
    assert r.status_code == 200, r.get_json()
    assert_documented(client, method, PATH + tail, r)
