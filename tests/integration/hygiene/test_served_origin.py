"""With BASE_URL equal to the origin the API is served on (as `make run` sets it), a
`Location` naming the request's host is only rebuilt on a redirect: a 201 or a 202 keeps
its JSON:API document."""

from __future__ import annotations

import pytest

from api.app import create_app
from tests.integration.conftest import SERVED_ORIGIN as SERVED
from tests.support.api import JSONAPI, auth, create_event, sign_up
from tests.support.badges import badge_doc, rows, user_with_usage


@pytest.fixture
def client(config, db):
    return create_app(config.with_(base_url=SERVED), db).test_client()


def test_a_202_keeps_its_json_body_when_base_url_is_the_served_origin(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 202
    assert r.mimetype == JSONAPI, r.get_data(as_text=True)[:200]
    badge_id = r.get_json()["data"]["id"]
    assert r.headers["Location"] == f"{SERVED}/v1/badges/{badge_id}"


def test_a_201_keeps_its_json_body_when_base_url_is_the_served_origin(client, db):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)  # create_event asserts the 201 document
    r = client.get(f"/v1/events/{event_id}")
    assert r.get_json()["data"]["links"]["self"] == f"{SERVED}/v1/events/{event_id}"


def test_a_redirect_from_the_request_host_is_still_rebuilt_under_base_url(client):
    r = client.get("/v1//events")  # werkzeug's 308 merging the slashes
    assert 300 <= r.status_code < 400
    assert r.headers["Location"] == f"{SERVED}/v1/events"
