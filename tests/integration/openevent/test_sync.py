"""The app's attendee, ticket and feedback sync, with its query strings as it sends them."""

from __future__ import annotations

from tests.support.api import auth, doc
from tests.support.openevent import app_headers, session_login

ATTENDEES = ("/v1/events/{}/attendees?include=order,ticket,event&fields[event]=id"
             "&fields[ticket]=id&page[size]=0")
TICKETS = "/v1/events/{}/tickets?include=event&fields[event]=id&page[size]=0"
FEEDBACKS = "/v1/events/{}/feedbacks?include=event,user&fields[event]=id&page[size]=0"


def test_attendee_sync_reads_what_the_app_reads(client, door):
    token = session_login(client, "door@example.com")  # door staff syncs
    r = client.get(ATTENDEES.format(door.event_id), headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [a["id"] for a in body["data"]] == door.attendee_ids
    first = body["data"][0]["attributes"]
    assert (first["firstname"], first["lastname"], first["email"]) == \
        ("Ada", "Lovelace", "ada@example.com")
    assert first["is-checked-in"] is False
    assert first["checkin-times"] is None and first["checkout-times"] is None
    by_key = {(r["type"], r["id"]): r for r in body["included"]}
    event = by_key[("event", door.event_id)]
    assert event["attributes"] == {}  # fields[event]=id
    assert by_key[("ticket", door.ticket_ids[0])]["attributes"] == {}
    order = by_key[("order", door.order_id)]
    identifier = order["attributes"]["identifier"]
    assert identifier and identifier != door.order_id  # not guessable from the id
    # every attendee's QR code is <order identifier>-<attendee id>, matched on the device
    for attendee in body["data"]:
        assert attendee["relationships"]["order"]["data"] == {"type": "order",
                                                              "id": door.order_id}
    assert len([r for r in body["included"] if r["type"] == "order"]) == 1


def test_ticket_sync(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(TICKETS.format(door.event_id), headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [(t["attributes"]["name"], t["attributes"]["price"], t["attributes"]["quantity"])
            for t in body["data"]] == [("Standard", 0.0, 300), ("Supporter", 25.5, 20)]
    assert [(r["type"], r["id"], r["attributes"]) for r in body["included"]] == \
        [("event", door.event_id, {})]


def test_feedback_sync_includes_event_and_user(client, door):
    rater = session_login(client, "door@example.com")
    r = client.post("/v1/feedbacks", headers=auth(rater), json=doc(
        "feedback", {"rating": 4, "comment": "Smooth entry"}, {"event": ("event", door.event_id)}))
    assert r.status_code == 201, r.get_json()
    token = session_login(client, "organizer@example.com")
    r = client.get(FEEDBACKS.format(door.event_id), headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [f["attributes"]["rating"] for f in body["data"]] == [4]
    kinds = sorted((i["type"], i["id"]) for i in body["included"])
    assert kinds == sorted([("event", door.event_id), ("user", str(door.staff_id))])
    user = next(i for i in body["included"] if i["type"] == "user")
    assert "email" not in user["attributes"]  # someone else's address stays private


def test_unpaginated_list_above_the_cap_is_400(client, door, monkeypatch):
    import models.core.queries as queries

    monkeypatch.setattr(queries, "ALL_ROWS_CAP", 2)
    token = session_login(client, "organizer@example.com")
    r = client.get(ATTENDEES.format(door.event_id), headers=app_headers(token))
    assert r.status_code == 400
    err = r.get_json()["errors"][0]
    assert err["code"] == "too_many_rows" and err["source"] == {"parameter": "page[size]"}


def test_unknown_include_is_400_naming_the_parameter(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/events/{door.event_id}/attendees?include=speakers",
                   headers=app_headers(token))
    assert r.status_code == 400
    assert r.get_json()["errors"][0]["source"] == {"parameter": "include"}
