"""Input limits played as an attacker, on PostgreSQL and SQLite: nested JSON, bodies that
are not JSON, integers no column holds, and check-in PATCHes with too many times or times
far from the event. Each is a 4xx JSON:API error, never a 5xx or a traceback in the log,
and changes nothing."""

from __future__ import annotations

import pytest

from tests.support.api import JSONAPI, auth, doc
from tests.support.snapshot import database_rows, refused
from tests.support.ticketing import person

HUGE, BIG_ID = 2**70, 2**63


@pytest.mark.parametrize("body", [
    "[" * 100_000,
    "{\"a\":" * 100_000,
    '{"data": {"type": "order", "attributes": {"x": ' + "[" * 40 + "]" * 40 + "}}}",
])
def test_deeply_nested_json_is_400_not_a_500(api, shop, quiet_log, body):
    owner, event_id, _, attendee = shop
    before = database_rows(api.db)
    headers = {**auth(owner), "Content-Type": JSONAPI}
    for method, path in (("post", "/v1/orders"), ("patch", f"/v1/attendees/{attendee}"),
                         ("post", "/v1/events"), ("post", "/v1/users"),
                         ("post", "/v1/auth/login"), ("post", f"/v1/attendees/{attendee}/"
                                                             "check-in")):
        r = getattr(api.client, method)(path, headers=headers, data=body)
        refused(api, before, r, 400, "invalid_json")
    r = api.client.get(f"/v1/events/{event_id}/attendees?filter={body}", headers=auth(owner))
    assert refused(api, before, r, 400, "invalid_filter")["source"] == {"parameter": "filter"}


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe\x00", b'{"data": {"type": "order"',
                                  b"<xml/>"])
def test_a_body_that_is_not_json_is_400(api, shop, quiet_log, body):
    owner, _, _, attendee = shop
    before = database_rows(api.db)
    for method, path in (("post", "/v1/orders"), ("patch", f"/v1/attendees/{attendee}")):
        r = getattr(api.client, method)(path, headers=auth(owner), data=body)
        refused(api, before, r, 400, "invalid_json")


def test_integers_no_column_holds_are_422(api, shop, quiet_log):
    owner, event_id, ticket, _ = shop
    before = database_rows(api.db)
    post = {"event": ("event", event_id)}
    attempts = [
        ("/v1/orders?onsite=true", doc("order", {"on-site-tickets": [
            {"id": ticket, "quantity": HUGE}]}, post), "/data/attributes/on-site-tickets"),
        ("/v1/orders?onsite=true", doc("order", {"on-site-tickets": [
            {"id": BIG_ID, "quantity": 1}]}, post), "/data/attributes/on-site-tickets"),
        ("/v1/orders?onsite=true", doc("order", {"on-site-tickets": [
            {"data": {"type": "on-site-ticket", "attributes": {"id": str(BIG_ID),
                                                               "quantity": "1"}}}]}, post),
         "/data/attributes/on-site-tickets"),
        ("/v1/orders", doc("order", {"attendees": [person(str(BIG_ID))]}, post),
         "/data/attributes/attendees/0/ticket-id"),
        ("/v1/orders", doc("order", {"attendees": [person(ticket)]},
                           {"event": ("event", BIG_ID)}),
         "/data/relationships/event/data/id"),
        ("/v1/tickets", doc("ticket", {"name": "T", "quantity": HUGE}, post),
         "/data/attributes/quantity"),
        ("/v1/tickets", doc("ticket", {"name": "T", "quantity": 1, "max-order": HUGE}, post),
         "/data/attributes/max-order"),
        ("/v1/discount-codes", doc("discount-code", {
            "code": "X", "used-for": "event", "type": "amount", "value": 1,
            "tickets-number": HUGE}, post), "/data/attributes/tickets-number"),
        ("/v1/feedbacks", doc("feedback", {"rating": HUGE}, post), "/data/attributes/rating"),
        ("/v1/feedbacks", doc("feedback", {"rating": 3}, {"event": ("event", -BIG_ID)}),
         "/data/relationships/event/data/id"),
    ]
    for path, body, pointer in attempts:
        r = api.client.post(path, headers=auth(owner), json=body)
        err = refused(api, before, r, 422)
        assert err["source"]["pointer"] == pointer, (path, body)
    r = api.client.patch(f"/v1/events/{event_id}", headers=auth(owner), json=doc(
        "event", {"order-expiry-time": HUGE}, id_=event_id))
    refused(api, before, r, 422)


def test_integers_out_of_range_in_queries_are_400(api, shop, quiet_log):
    owner, event_id, _, _ = shop
    before = database_rows(api.db)
    for path, parameter in ((f"/v1/feedbacks?filter[event]={BIG_ID}", "filter[event]"),
                            (f"/v1/discount-codes?filter[event]={BIG_ID}", "filter[event]"),
                            (f'/v1/events/{event_id}/attendees?filter=[{{"name": "id", '
                             f'"op": "eq", "val": {BIG_ID}}}]', "filter"),
                            (f'/v1/events/{event_id}/tickets?filter=[{{"name": "quantity", '
                             f'"op": "gt", "val": {-HUGE}}}]', "filter")):
        err = refused(api, before, api.client.get(path, headers=auth(owner)), 400)
        assert err["source"] == {"parameter": parameter}, path


@pytest.mark.parametrize("path", [
    f"/v1/attendees/{BIG_ID}", f"/v1/events/{BIG_ID}", f"/v1/orders/{BIG_ID}",
    f"/v1/orders/{BIG_ID}/attendees", f"/v1/orders/{BIG_ID}.{'0' * 20}",
    f"/v1/badges/{BIG_ID}", f"/v1/speakers/{BIG_ID}", f"/v1/tickets/{BIG_ID}",
    f"/v1/feedbacks/{BIG_ID}", f"/v1/discount-codes/{BIG_ID}", f"/v1/users/{BIG_ID}",
    f"/v1/events/{BIG_ID}/attendees", "/v1/orders/\u0669", f"/v1/orders/{'9' * 5000}",
    "/v1/orders/1." + "\u00e9" * 20, f"/v1/events/{2**31}"])
def test_path_ids_out_of_range_are_404(api, shop, quiet_log, path):
    owner = shop[0]
    before = database_rows(api.db)
    refused(api, before, api.client.get(path, headers=auth(owner)), 404)
    r = api.client.patch(f"/v1/attendees/{BIG_ID}", headers=auth(owner), json=doc(
        "attendee", {"is-checked-in": True}))
    refused(api, before, r, 404)
    refused(api, before, api.client.post(f"/v1/attendees/{BIG_ID}/check-in",
                                         headers=auth(owner)), 404)


def checkin_patch(api, token: str, attendee: str, **attrs):
    return api.client.patch(f"/v1/attendees/{attendee}", headers=auth(token), json=doc(
        "attendee", attrs, id_=attendee))


def times(n: int, start: int = 0) -> str:
    return ",".join(f"2027-03-01T10:{(start + i) // 60:02d}:{(start + i) % 60:02d}Z"
                    for i in range(n))


def test_one_checkin_patch_carries_at_most_50_times(api, shop, quiet_log):
    owner, _, _, attendee = shop
    before = database_rows(api.db)
    for attrs in ({"is-checked-in": True, "checkin-times": times(51)},
                  {"is-checked-in": True, "checkin-times": times(51),
                   "device-name-checkin": ",".join(["g"] * 51)},
                  {"is-checked-in": True, "checkout-times": times(51)},
                  {"is-checked-in": True, "checkin-times": times(1),
                   "device-name-checkin": ",".join(["g"] * 51)}):
        err = refused(api, before, checkin_patch(api, owner, attendee, **attrs), 422)
        assert err["source"]["pointer"].startswith("/data/attributes/")
    r = checkin_patch(api, owner, attendee, **{"is-checked-in": True,
                                               "checkin-times": times(50)})
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()["data"]["attributes"]["checkin-times"].split(",")) == 50


@pytest.mark.parametrize("at", ["2027-02-28T08:59:59Z", "2027-03-03T18:00:01Z",
                                "1970-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00"])
def test_a_checkin_time_outside_the_events_days_is_422(api, shop, quiet_log, at):
    owner, _, _, attendee = shop
    before = database_rows(api.db)
    for attrs in ({"is-checked-in": True, "checkin-times": at},
                  {"is-checked-in": True, "checkin-times": f"2027-03-01T10:00:00Z,{at}",
                   "device-name-checkin": "a,b"},
                  {"is-checked-in": False, "checkin-times": at}):
        err = refused(api, before, checkin_patch(api, owner, attendee, **attrs), 422,
                      "time_outside_event")
        assert err["source"]["pointer"] == "/data/attributes/checkin-times"


def test_checkin_times_within_a_day_of_the_event_are_kept(api, shop, quiet_log):
    owner, _, _, attendee = shop
    r = checkin_patch(api, owner, attendee, **{
        "is-checked-in": True, "checkin-times": "2027-02-28T09:00:00Z,2027-03-03T18:00:00Z"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["attributes"]["checkin-times"] == \
        "2027-02-28T09:00:00+00:00,2027-03-03T18:00:00+00:00"
