"""schemathesis.toml (the live run's config, README "Security") names operations that
exist: a renamed path would silently drop its exception, or stop excluding logout, which
ends the run's session and leaves half the API seeing only 401."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from schemathesis.config import SchemathesisConfig

from tests.support.accounts import sign_up_verified
from tests.support.api import assert_error, auth, create_event, doc
from tests.support.ticketing import make_ticket, onsite

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


def test_every_operation_the_config_names_is_in_the_document(client):
    spec = client.get("/v1/openapi.json").get_json()
    SchemathesisConfig.from_path(CONFIG)  # schemathesis reads it (it validates the file)
    entries = tomllib.loads(CONFIG.read_text())["operations"]
    # an entry names one operation: "METHOD /path" (path and method filters would be ORed)
    assert all(set(e) <= {"include-name", "enabled", "checks"} for e in entries)
    named = {(e["include-name"].split()[1], e["include-name"].split()[0].lower()): e
             for e in entries}
    assert named[("/v1/auth/logout", "post")]["enabled"] is False
    for path, method in named:
        assert method in spec["paths"].get(path, {}), f"{method} {path} is not documented"


def test_orders_document_onsite_and_the_attendee_rule(client):
    op = client.get("/v1/openapi.json").get_json()["paths"]["/v1/orders"]["post"]
    [onsite] = [p for p in op["parameters"] if p["name"] == "onsite"]
    assert onsite["in"] == "query" and "attendees_missing" in onsite["description"]


DEFAULT_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _entries_with_comments() -> list[tuple[dict, str]]:
    """Each [[operations]] entry with the comment lines just above it."""
    chunks = CONFIG.read_text().split("[[operations]]")
    entries = tomllib.loads(CONFIG.read_text())["operations"]
    comments = ["\n".join(line for line in chunk.splitlines() if line.startswith("#"))
                for chunk in chunks[:-1]]
    return list(zip(entries, comments, strict=True))


def test_every_rule_the_document_states_in_words_is_an_entry_that_names_its_codes(client):
    """An operation whose description states rules JSON Schema cannot (doc(rules=...)) has
    an entry that lets its 422 pass schemathesis's positive_data_acceptance, and no more
    (the defaults and 422), whose comment names every code the description names; an
    entry that lets 422 pass belongs to an operation that documents why."""
    spec = client.get("/v1/openapi.json").get_json()
    described = {f"{method.upper()} {path}": op["description"]
                 for path, ops in spec["paths"].items() for method, op in ops.items()
                 if "description" in op}
    assert len(described) >= 14
    allowing = {}
    for entry, comment in _entries_with_comments():
        statuses = entry.get("checks", {}).get("positive_data_acceptance", {}).get(
            "expected-statuses")
        if statuses is not None:
            assert sorted(statuses) == sorted([*DEFAULT_ACCEPTANCE, "422"]) or \
                entry["include-name"] == "POST /v1/payments/stripe/webhook", entry
            allowing[entry["include-name"]] = comment
    for name, text in described.items():
        assert "422" in text, name
        assert name in allowing, f"{name} states rules but schemathesis.toml has no entry"
        codes = set(re.findall(r"`([a-z0-9_]+)`", text))
        assert codes, name
        assert codes <= set(re.findall(r"`([a-z0-9_]+)`", allowing[name])), name
    # the entries from before rules had descriptions: their summary or a parameter says why
    assert set(allowing) - set(described) == {
        "POST /v1/auth/verify-email", "POST /v1/payments/stripe/webhook", "POST /v1/orders",
        "PATCH /v1/attendees/{attendee_id}", "POST /v1/staff-invitations/accept"}


def _broken(client, token, event_id, ticket_id):
    """(operation, request, code): one request breaking each rule cheaply broken."""
    def ticket(attrs):
        return doc("ticket", {"name": "T", "quantity": 5, **attrs}, {"event": ("event",
                                                                              event_id)})

    def code(attrs, rels=None):
        body = doc("discount-code", {"code": "X", "used-for": "event", "type": "amount",
                                     "value": 5, **attrs}, {"event": ("event", event_id)})
        body["data"]["relationships"].update(rels or {})
        return body

    lists = f"/v1/events/{event_id}/check-in-lists"
    return [
        ("POST /v1/tickets", ("post", "/v1/tickets", ticket({
            "sales-starts-at": "2027-01-02T00:00:00Z",
            "sales-ends-at": "2027-01-01T00:00:00Z"})), "sales_window"),
        ("POST /v1/tickets", ("post", "/v1/tickets", ticket({"min-order": 5, "max-order": 2})),
         "order_limits"),
        ("POST /v1/tickets", ("post", "/v1/tickets", ticket({"type": "free", "price": 5})),
         "free_ticket_priced"),
        ("PATCH /v1/tickets/{ticket_id}", ("patch", f"/v1/tickets/{ticket_id}", doc(
            "ticket", {"min-order": 9, "max-order": 3}, id_=ticket_id)), "order_limits"),
        ("POST /v1/events", ("post", "/v1/events", doc("event", {
            "name": "E", "starts-at": "2027-01-02T00:00:00Z",
            "ends-at": "2027-01-01T00:00:00Z"})), "ends_before_start"),
        ("PATCH /v1/events/{event_id}", ("patch", f"/v1/events/{event_id}", doc(
            "event", {"ends-at": "2000-01-01T00:00:00Z"}, id_=event_id)), "ends_before_start"),
        ("POST /v1/discount-codes", ("post", "/v1/discount-codes", code({
            "valid-from": "2027-01-02T00:00:00Z", "valid-till": "2027-01-01T00:00:00Z"})),
         "validity_window"),
        ("POST /v1/discount-codes", ("post", "/v1/discount-codes", code({
            "type": "percent", "value": 101})), "value_range"),
        ("POST /v1/discount-codes", ("post", "/v1/discount-codes", code({"code": "   "})),
         "empty_code"),
        ("POST /v1/discount-codes", ("post", "/v1/discount-codes", code({}, {
            "tickets": {"data": [{"type": "ticket", "id": ticket_id}]}})),
         "event_code_has_no_tickets"),
        ("POST /v1/events/{event_id}/check-in-lists", ("post", lists, doc("check-in-list", {
            "name": "L", "valid-from": "2027-01-01T00:00:00Z",
            "valid-until": "2027-01-01T00:00:00Z"})), "window_reversed"),
        ("POST /v1/events/{event_id}/check-in-lists", ("post", lists, doc("check-in-list", {
            "name": "L", "ticket-ids": [2**31 - 1]})), "unknown_ticket"),
        ("POST /v1/events/{event_id}/check-in-lists", ("post", lists, doc("check-in-list", {
            "name": "L", "ticket-ids": []})), "unknown_ticket"),
    ]


def test_each_rule_stated_in_words_is_the_refusal_the_description_names(client, db):
    token = sign_up_verified(client, "o@example.com")
    event_id = create_event(client, token)
    ticket_id = make_ticket(client, token, event_id, 5)
    spec = client.get("/v1/openapi.json").get_json()
    for name, (method, url, body), code in _broken(client, token, event_id, ticket_id):
        verb, path = name.split(" ")
        assert f"`{code}`" in spec["paths"][path][verb.lower()]["description"], name
        r = getattr(client, method)(url, headers=auth(token), json=body)
        assert_error(r, 422, code)
    assert [t["id"] for t in client.get(f"/v1/events/{event_id}/tickets",
                                        headers=auth(token)).get_json()["data"]] == [ticket_id]
    # a code used-for event has no tickets to link (the live run's stateful phase)
    r = client.post("/v1/discount-codes", headers=auth(token), json=doc(
        "discount-code", {"code": "E", "used-for": "event", "type": "amount", "value": 5},
        {"event": ("event", event_id)}))
    linkage = "/v1/discount-codes/{code_id}/relationships/tickets"
    for verb in ("post", "patch"):
        assert "`event_code_has_no_tickets`" in spec["paths"][linkage][verb]["description"]
        r2 = getattr(client, verb)(linkage.format(code_id=r.get_json()["data"]["id"]),
                                   headers=auth(token),
                                   json={"data": [{"type": "ticket", "id": ticket_id}]})
        assert_error(r2, 422, "event_code_has_no_tickets")
    # reading the linkage takes no body, and says so (it documented the writes' body)
    assert "requestBody" not in spec["paths"][linkage]["get"]
    assert "description" not in spec["paths"][linkage]["delete"]
    # the state-dependent one: an attendee never checked in is not scanned out
    order = onsite(client, token, event_id, [{"id": ticket_id, "quantity": 1}]).get_json()
    attendee = order["included"][0]["id"]
    op = spec["paths"]["/v1/attendees/{attendee_id}/check-out"]["post"]
    assert "`not_checked_in`" in op["description"]
    r = client.post(f"/v1/attendees/{attendee}/check-out", headers=auth(token),
                    json={"device-name": "Door", "nonce": "n1"})
    assert_error(r, 422, "not_checked_in")


def test_a_request_line_too_long_counts_as_a_refusal_as_documented(client):
    """gunicorn's 414 comes before the app; the document lists it on every operation, and
    the live run counts it as the refusal it is (the stateful phase sent a filter of
    8,462 bytes and called the 414 an acceptance)."""
    config = SchemathesisConfig.from_path(CONFIG)
    assert "414" in config.projects.default.checks.negative_data_rejection.expected_statuses
    spec = client.get("/v1/openapi.json").get_json()
    assert all("414" in op["responses"] for ops in spec["paths"].values()
               for op in ops.values())
