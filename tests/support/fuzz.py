"""A world for the OpenAPI fuzz test: one owner with an event, a ticket, an on-site order
(its attendees), a discount code, a feedback, a speaker and a badge, all made through the
API, so that path parameters name resources that exist and belong to the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.accounts import sign_up_verified
from tests.support.api import auth, create_event, doc
from tests.support.badges import badge_doc, rows, set_usage
from tests.support.ticketing import make_ticket, onsite

# No 5xx; status, content type, headers and body as documented; a token where one is
# asked for. Not run: positive_data_acceptance and negative_data_rejection. The API
# answers 4xx to input the document cannot call invalid (ends-at before starts-at, a
# sold-out ticket) and accepts some that it calls invalid on purpose (Open Event's
# clients send "25" for 25, and snake_case names).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]


def replay(app, token: str, method: str, path: str, **case: Any):
    """Send one request the fuzzer made (`case`: path_parameters, query, body,
    media_type) to `app` and check its answer against the app's own document with the
    fuzzer's checks; returns the response."""
    operation = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)[path][method]
    return operation.Case(**case).call_and_validate(
        app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@dataclass(frozen=True)
class FuzzWorld:
    token: str
    path_ids: dict[str, str]  # path parameter name -> an id the owner may use


def _created(r) -> str:
    assert r.status_code in (201, 202), r.get_data(as_text=True)
    return r.get_json()["data"]["id"]


def make_fuzz_world(client, db) -> FuzzWorld:
    token = sign_up_verified(client, "owner@example.com")
    user_id = set_usage(db, "owner@example.com", 50)
    event_id = create_event(client, token)
    ticket_id = make_ticket(client, token, event_id, 20)
    order = onsite(client, token, event_id, [{"id": ticket_id, "quantity": 2}]).get_json()
    code_id = _created(client.post("/v1/discount-codes", headers=auth(token), json=doc(
        "discount-code", {"code": "FUZZ10", "used-for": "ticket", "type": "percent",
                          "value": 10}, {"event": ("event", event_id)})))
    feedback_id = _created(client.post("/v1/feedbacks", headers=auth(token), json=doc(
        "feedback", {"rating": 4}, {"event": ("event", event_id)})))
    speaker_id = _created(client.post("/v1/speakers", headers=auth(token),
                                      json=doc("speaker", {"name": "Hall A"})))
    badge_id = _created(client.post("/v1/badges", headers=auth(token),
                                    json=badge_doc({"rows": rows(1)})))
    ids = {"user_id": user_id, "event_id": event_id, "ticket_id": ticket_id,
           "order_id": order["data"]["id"], "identifier": order["data"]["attributes"][
               "identifier"], "attendee_id": order["included"][0]["id"],
           "code_id": code_id, "feedback_id": feedback_id, "speaker_id": speaker_id,
           "badge_id": badge_id}
    return FuzzWorld(token=token, path_ids={k: str(v) for k, v in ids.items()})
