"""The app's check-in and check-out PATCHes, replayed as it sends them: every non-null
attribute it holds, the toggled `is-checked-in` and `checkin-times` set to now."""

from __future__ import annotations

from tests.support.openevent import app_headers, session_login
from tests.support.outbox import outbox_data as events
from tests.support.sql import statements

PATCH = "/v1/attendees/{}?include=ticket,event,order&fields[event]=id&fields[ticket]=id"
SYNC = ("/v1/events/{}/attendees?include=order,ticket,event&fields[event]=id"
        "&fields[ticket]=id&page[size]=0")


def synced(client, token: str, event_id: str, attendee_id: str) -> dict:
    r = client.get(SYNC.format(event_id), headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    return next(a for a in r.get_json()["data"] if a["id"] == attendee_id)


def app_body(attendee: dict, checked_in: bool, now: str) -> dict:
    """The app's Attendee as Jackson writes it (kebab-case, nulls left out), with what
    the app holds that we never answer (city, pdf-url) and our read-only members."""
    held = {k: v for k, v in attendee["attributes"].items()
            if k in ("firstname", "lastname", "email", "checkout-times") and v is not None}
    return {"data": {"type": "attendee", "id": attendee["id"], "attributes": {
        **held, "city": "Singapore", "pdf-url": "https://example.com/ticket.pdf",
        "unit": 99, "is-cancelled": True, "checkin-secret": "forged",
        "is-checked-in": checked_in, "checkin-times": now}}}




def test_staff_check_in_then_replay_counts_once(client, db, door):
    token = session_login(client, "door@example.com")
    attendee = synced(client, token, door.event_id, door.attendee_ids[0])
    body = app_body(attendee, True, "2027-03-01T09:15:02+08:00")
    r = client.patch(PATCH.format(attendee["id"]), headers=app_headers(token), json=body)
    assert r.status_code == 200, r.get_json()
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["is-checked-in"] is True
    assert attrs["checkin-times"] == "2027-03-01T01:15:02+00:00"
    assert attrs["checkout-times"] is None  # what the app echoed is ignored
    assert (attrs["unit"], attrs["is-cancelled"]) == (1, False)  # read-only: ignored
    assert {(i["type"], i["id"]) for i in r.get_json()["included"]} == {
        ("ticket", door.ticket_ids[0]), ("event", door.event_id), ("order", door.order_id)}

    again = client.patch(PATCH.format(attendee["id"]), headers=app_headers(token), json=body)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["data"]["attributes"]["checkin-times"] == attrs["checkin-times"]
    assert len(events(db, "attendee.checked_in")) == 1


def test_check_out_keeps_history_and_counts_once(client, db, door):
    token = session_login(client, "door@example.com")
    aid = door.attendee_ids[1]
    attendee = synced(client, token, door.event_id, aid)
    client.patch(PATCH.format(aid), headers=app_headers(token),
                 json=app_body(attendee, True, "2027-03-01T09:00:00+00:00"))
    attendee = synced(client, token, door.event_id, aid)
    out = app_body(attendee, False, "2027-03-01T12:30:00+00:00")
    for _ in range(2):  # the app's offline queue replays the same PATCH
        r = client.patch(PATCH.format(aid), headers=app_headers(token), json=out)
        assert r.status_code == 200, r.get_json()
        attrs = r.get_json()["data"]["attributes"]
        assert attrs["is-checked-in"] is False
        assert attrs["checkin-times"] == "2027-03-01T09:00:00+00:00"  # history kept
        assert attrs["checkout-times"] == "2027-03-01T12:30:00+00:00"
    assert len(events(db, "attendee.checked_out")) == 1

    attendee = synced(client, token, door.event_id, aid)
    r = client.patch(PATCH.format(aid), headers=app_headers(token),
                     json=app_body(attendee, True, "2027-03-01T14:00:00+00:00"))
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["is-checked-in"] is True
    assert attrs["checkin-times"] == "2027-03-01T09:00:00+00:00,2027-03-01T14:00:00+00:00"
    assert attrs["checkout-times"] == "2027-03-01T12:30:00+00:00"

    # a stale replay (queued offline, sent late) of the check-out, then of the first
    # check-in: each was counted already, so neither moves the attendee
    for stale in (out, app_body(attendee, True, "2027-03-01T09:00:00+00:00")):
        r = client.patch(PATCH.format(aid), headers=app_headers(token), json=stale)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["data"]["attributes"] == attrs
    assert len(events(db, "attendee.checked_out")) == 1
    assert len(events(db, "attendee.checked_in")) == 2


def test_check_out_of_someone_not_inside_changes_nothing(client, db, door):
    token = session_login(client, "door@example.com")
    attendee = synced(client, token, door.event_id, door.attendee_ids[2])
    r = client.patch(PATCH.format(attendee["id"]), headers=app_headers(token),
                     json=app_body(attendee, False, "2027-03-01T12:30:00+00:00"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["attributes"]["checkout-times"] is None
    assert events(db, "attendee.checked_out") == []


def test_staff_may_not_rename_an_attendee(client, door):
    token = session_login(client, "door@example.com")
    attendee = synced(client, token, door.event_id, door.attendee_ids[0])
    body = app_body(attendee, True, "2027-03-01T09:15:02+08:00")
    body["data"]["attributes"]["firstname"] = "Mallory"
    r = client.patch(PATCH.format(attendee["id"]), headers=app_headers(token), json=body)
    assert r.status_code == 403
    assert synced(client, token, door.event_id, attendee["id"])["attributes"][
        "is-checked-in"] is False  # nothing changed


def test_check_in_and_out_keep_the_doors_two_statements(client, db, door):
    """BEGIN, the prepared lock, the prepared write, COMMIT: the door's four round trips,
    even with the app's whole attendee in the body."""
    token = session_login(client, "door@example.com")
    warm = synced(client, token, door.event_id, door.attendee_ids[2])
    client.patch(PATCH.format(warm["id"]), headers=app_headers(token),
                 json=app_body(warm, True, "2027-03-01T08:00:00+00:00"))
    attendee = synced(client, token, door.event_id, door.attendee_ids[0])
    for checked_in, now in ((True, "2027-03-01T09:00:00+00:00"),
                            (False, "2027-03-01T10:00:00+00:00")):
        body = app_body(attendee, checked_in, now)
        with statements(db) as seen:
            r = client.patch(f"/v1/attendees/{attendee['id']}", headers=app_headers(token),
                             json=body)
        assert r.status_code == 200, r.get_json()
        assert seen == ["EXECUTE door_lock_by_id", "EXECUTE door_write_scan"]
