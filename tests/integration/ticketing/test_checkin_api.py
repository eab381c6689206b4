"""Check-in and check-out: Open Event's device-name rules, scans that never get lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.accounts.users import authenticate
from models.ticketing.checkin import scan as checkin
from models.ticketing.tables import CheckInScan
from tests.support.accounts import accept_link, verify_address
from tests.support.api import auth, error, invite, sign_up
from tests.support.concurrency import race
from tests.support.outbox import count, outbox_data
from tests.support.ticketing import make_ticket, onsite

DEVICE = "/data/attributes/device-name-checkin"


@pytest.fixture
def attendee(client, owner, event_id) -> dict:
    ticket = make_ticket(client, owner, event_id, 10)
    r = onsite(client, owner, event_id, [{"id": ticket, "quantity": 2}])
    return r.get_json()["included"][0]


def patch(client, token, attendee_id, attrs):
    return client.patch(f"/v1/attendees/{attendee_id}", headers=auth(token), json={
        "data": {"type": "attendee", "id": str(attendee_id), "attributes": attrs}})


def test_device_name_needs_the_attendee_checked_in(client, owner, attendee):
    for attrs in ({"device-name-checkin": "gate-1"},
                  {"device-name-checkin": "gate-1", "is-checked-in": False,
                   "checkin-times": "2027-03-01T09:00:00Z"}):
        r = patch(client, owner, attendee["id"], attrs)
        assert r.status_code == 422
        assert error(r)["detail"] == "Attendee needs to be checked in first"
        assert error(r)["source"]["pointer"] == DEVICE


def test_device_name_needs_checkin_times(client, owner, attendee):
    r = patch(client, owner, attendee["id"], {"device-name-checkin": "gate-1",
                                              "is-checked-in": True})
    assert r.status_code == 422
    assert error(r)["detail"] == "Check in Times missing"
    assert error(r)["source"]["pointer"] == DEVICE


def test_device_names_and_checkin_times_must_pair_up(client, db, owner, attendee):
    r = patch(client, owner, attendee["id"], {
        "is-checked-in": True, "device-name-checkin": "gate-1,gate-2",
        "checkin-times": "2027-03-01T09:00:00Z"})
    assert r.status_code == 422
    assert error(r)["detail"] == "Check in Times missing for the corresponding device name"
    assert error(r)["source"]["pointer"] == DEVICE
    assert count(db, CheckInScan) == 0


def test_checkin_times_without_device_names_store_a_dash(client, owner, attendee):
    r = patch(client, owner, attendee["id"], {
        "is-checked-in": True, "checkin-times": "2027-03-01T09:00:00Z,2027-03-01T12:00:00Z"})
    assert r.status_code == 200, r.get_json()
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["device-name-checkin"] == "-,-"
    assert attrs["is-checked-in"] is True


def test_patch_appends_new_times_and_device_names(client, db, owner, attendee):
    patch(client, owner, attendee["id"], {"is-checked-in": True, "device-name-checkin": "gate-1",
                                          "checkin-times": "2027-03-01T09:00:00+00:00"})
    r = patch(client, owner, attendee["id"], {"is-checked-in": True,
                                              "device-name-checkin": "gate-2",
                                              "checkin-times": "2027-03-01T13:30:00+00:00"})
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["checkin-times"] == "2027-03-01T09:00:00+00:00,2027-03-01T13:30:00+00:00"
    assert attrs["device-name-checkin"] == "gate-1,gate-2"
    # Open Event's app sends every time and only the new device name: appended once
    r = patch(client, owner, attendee["id"], {
        "is-checked-in": True, "device-name-checkin": "gate-3",
        "checkin-times": attrs["checkin-times"] + ",2027-03-01T15:00:00+00:00"})
    assert r.get_json()["data"]["attributes"]["device-name-checkin"] == "gate-1,gate-2,gate-3"
    # the same PATCH again changes nothing
    patch(client, owner, attendee["id"], {"is-checked-in": True, "device-name-checkin": "gate-2",
                                          "checkin-times": "2027-03-01T13:30:00+00:00"})
    assert count(db, CheckInScan) == 3
    assert len(outbox_data(db, "attendee.checked_in")) == 3


def test_checkout_stamps_the_servers_time(client, owner, attendee):
    r = patch(client, owner, attendee["id"], {"is-checked-out": True})
    assert r.status_code == 422
    assert error(r)["detail"] == "Attendee needs to be checked in first"
    patch(client, owner, attendee["id"], {"is-checked-in": True})
    before = datetime.now(UTC)
    r = patch(client, owner, attendee["id"], {"is-checked-out": True,
                                              "checkout-times": "1999-01-01T00:00:00Z"})
    attrs = r.get_json()["data"]["attributes"]
    stamped = datetime.fromisoformat(attrs["checkout-times"])
    assert attrs["is-checked-out"] is True
    assert before <= stamped <= datetime.now(UTC)


def test_scanner_nonce_makes_a_retry_return_the_first_scan(client, db, owner, attendee):
    url = f"/v1/attendees/{attendee['id']}/check-in"
    first = client.post(url, headers=auth(owner), json={"device-name": "gate-1", "nonce": "n1"})
    again = client.post(url, headers=auth(owner), json={"device-name": "gate-1", "nonce": "n1"})
    assert first.status_code == again.status_code == 200
    assert again.get_json()["meta"]["replayed"] is True
    assert again.get_json()["meta"]["scan"] == first.get_json()["meta"]["scan"]
    assert count(db, CheckInScan) == 1
    out = client.post(f"/v1/attendees/{attendee['id']}/check-out", headers=auth(owner),
                      json={"device-name": "exit-1", "nonce": "n2"})
    attrs = out.get_json()["data"]["attributes"]
    assert attrs["is-checked-out"] is True and attrs["checkout-times"]
    assert [e["device_name"] for e in outbox_data(db, "attendee.checked_out")] == ["exit-1"]


def test_check_in_by_qr_secret(client, owner, attendee):
    r = client.post("/v1/check-in", headers=auth(owner), json={
        "secret": attendee["attributes"]["checkin-secret"], "device-name": "gate-9"})
    assert r.status_code == 200
    assert r.get_json()["data"]["id"] == attendee["id"]
    assert r.get_json()["data"]["attributes"]["device-name-checkin"] == "gate-9"
    assert client.post("/v1/check-in", headers=auth(owner),
                       json={"secret": "nope"}).status_code == 404


def test_only_owner_and_invited_staff_who_accepted_check_in(client, owner, event_id,
                                                            attendee):
    helper = sign_up(client, "helper@example.com")
    url = f"/v1/attendees/{attendee['id']}/check-in"
    assert client.post(url, headers=auth(helper), json={}).status_code == 404  # unseen
    r = invite(client, owner, event_id, "Helper@Example.com")
    assert r.status_code == 201
    assert client.post(url, headers=auth(helper), json={}).status_code == 404  # pending
    assert invite(client, helper, event_id, "helper@example.com").status_code == 403
    verify_address(client, "helper@example.com")
    accepted = accept_link(client, helper, r.get_json()["data"]["id"])
    assert accepted.get_json()["data"]["attributes"]["status"] == "accepted"
    assert client.post(url, headers=auth(helper), json={}).status_code == 200
    staff = client.get(f"/v1/events/{event_id}/staff", headers=auth(owner)).get_json()["data"]
    helper_id = client.get("/v1/users/2", headers=auth(helper)).get_json()["data"]["id"]
    assert [s["id"] for s in staff] == [helper_id]
    client.delete(f"/v1/events/{event_id}/staff/{helper_id}", headers=auth(owner))
    assert client.post(url, headers=auth(helper), json={}).status_code == 404


def test_event_attendee_list_filters_by_checked_in(client, owner, event_id, attendee):
    client.post(f"/v1/attendees/{attendee['id']}/check-in", headers=auth(owner))
    base = f"/v1/events/{event_id}/attendees"
    assert client.get(base, headers=auth(owner)).get_json()["meta"]["count"] == 2
    inside = client.get(base + "?filter[is-checked-in]=true", headers=auth(owner)).get_json()
    assert [a["id"] for a in inside["data"]] == [attendee["id"]]
    assert client.get(base + "?filter[is-checked-in]=false",
                      headers=auth(owner)).get_json()["meta"]["count"] == 1
    assert client.get(base + "?filter[is-checked-in]=maybe",
                      headers=auth(owner)).status_code == 400
    stranger = sign_up(client, "x@example.com")
    assert client.get(base, headers=auth(stranger)).status_code == 403


def test_two_devices_checking_in_one_attendee_at_once_are_both_kept(client, db, owner,
                                                                    attendee):
    actor = authenticate(db, "owner@example.com", "password123")
    devices = [f"gate-{i}" for i in range(8)]
    results = race(len(devices), lambda i: checkin.check_in_attendee(
        db, actor.id, int(attendee["id"]), device_name=devices[i], nonce=f"n-{i}"))
    assert not [r for r in results if isinstance(r, Exception)]
    got = client.get(f"/v1/attendees/{attendee['id']}", headers=auth(owner)).get_json()
    assert sorted(got["data"]["attributes"]["device-name-checkin"].split(",")) == devices
    checked_in = outbox_data(db, "attendee.checked_in")
    assert len(checked_in) == 8
    assert sum(e["first_check_in"] for e in checked_in) == 1
    assert sum(not e["was_inside"] for e in checked_in) == 1


def test_attendee_of_a_cancelled_order_cannot_check_in(client, owner, attendee):
    oid = attendee["relationships"]["order"]["data"]["id"]
    client.patch(f"/v1/orders/{oid}", headers=auth(owner), json={
        "data": {"type": "order", "id": oid, "attributes": {"status": "cancelled"}}})
    r = client.post(f"/v1/attendees/{attendee['id']}/check-in", headers=auth(owner))
    assert r.status_code == 409 and error(r)["code"] == "attendee_cancelled"
    got = client.get(f"/v1/attendees/{attendee['id']}", headers=auth(owner)).get_json()
    assert got["data"]["attributes"]["is-cancelled"] is True
    assert got["data"]["attributes"]["unit"] is None


@pytest.mark.parametrize("attrs", [{}, {"checkout-times": "2027-03-01T09:00:00Z"},
                                   {"first-name": "Mallory"}, {"is-checked-in": True}])
def test_a_stranger_can_neither_patch_nor_read_an_attendee_through_patch(client, attendee,
                                                                         attrs):
    stranger = sign_up(client, "stranger@example.com")
    r = patch(client, stranger, attendee["id"], attrs)
    assert r.status_code == 404  # as for an attendee that does not exist
    assert "checkin-secret" not in r.get_data(as_text=True)


def test_a_scan_committed_while_the_door_waits_for_the_lock_is_in_its_answer(client, db,
                                                                              owner,
                                                                              attendee):
    """The door reads the scans in the statement that waits for the attendee's lock; its
    snapshot predates the wait. The scan another transaction committed meanwhile is
    still counted (scan_count) and read again: it shows in the answer and makes this
    scan a repeated one, not the first."""
    import threading

    from sqlalchemy import text

    actor = authenticate(db, "owner@example.com", "password123")
    aid = int(attendee["id"])
    holder = db.engine.connect()
    tx = holder.begin()
    holder.execute(text("SELECT id FROM attendees WHERE id = :a FOR UPDATE"), {"a": aid})
    holder.execute(text(
        "INSERT INTO check_in_scans (attendee_id, kind, at, device_name, nonce, created_at) "
        "VALUES (:a, 'entry', now() - interval '1 minute', 'gate-early', 'early', now())"),
        {"a": aid})
    holder.execute(text("UPDATE attendees SET is_checked_in = true, "
                        "scan_count = scan_count + 1 WHERE id = :a"), {"a": aid})
    result = {}
    door = threading.Thread(target=lambda: result.update(r=checkin.check_in_attendee(
        db, actor.id, aid, device_name="gate-late", nonce="late")))
    door.start()
    door.join(0.5)
    assert door.is_alive()  # waiting for the lock, its snapshot already taken
    tx.commit()
    holder.close()
    door.join(10)
    view = result["r"].view
    assert [sc.device_name for sc in view.scans] == ["gate-early", "gate-late"]
    assert view.device_name_checkin == "gate-early,gate-late"
    (late,) = outbox_data(db, "attendee.checked_in")
    assert late["first_check_in"] is False and late["was_inside"] is True


def test_the_door_refuses_the_token_of_a_deleted_account(client, db, owner, attendee):
    from sqlalchemy import text

    stranger = sign_up(client, "gone@example.com")
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE email = 'gone@example.com'"))
    for path in (f"/v1/attendees/{attendee['id']}/check-in", "/v1/attendees/999999/check-in"):
        r = client.post(path, headers=auth(stranger))
        assert r.status_code == 401 and error(r)["code"] == "bad_token"
    assert count(db, CheckInScan) == 0


def test_a_nonce_reused_for_the_other_kind_of_scan_is_409_not_a_replay(client, db, owner,
                                                                       attendee):
    base = f"/v1/attendees/{attendee['id']}"
    assert client.post(base + "/check-in", headers=auth(owner),
                       json={"nonce": "n1"}).status_code == 200
    r = client.post(base + "/check-out", headers=auth(owner), json={"nonce": "n1"})
    assert r.status_code == 409 and error(r)["code"] == "nonce_reused"
    assert count(db, CheckInScan) == 1 and not outbox_data(db, "attendee.checked_out")


def test_inviting_and_accepting_at_once_from_many_requests_names_staff_once(client, db,
                                                                           owner, event_id):
    from models.core.errors import Conflict
    from models.ticketing.invitations import invite_staff
    from models.ticketing.staff import list_staff
    from models.ticketing.tables import EventStaff, StaffInvitation

    sign_up(client, "helper@example.com")
    actor = authenticate(db, "owner@example.com", "password123")
    helper = authenticate(db, "helper@example.com", "password123")
    invited = race(8, lambda i: invite_staff(db, actor, int(event_id), "helper@example.com"))
    assert len({r.id for r in invited}) == 1  # no IntegrityError escaped
    from models.accounts.verification import mark_email_verified
    from models.ticketing.invitation_links import invitation_token
    from models.ticketing.invitations import accept_invitation

    mark_email_verified(db, helper.id)
    helper = authenticate(db, "helper@example.com", "password123")
    link = invitation_token(db.config, invited[0])  # the one link mailed
    accepted = race(8, lambda i: accept_invitation(db, helper, link))
    # one link, one acceptance: the racers behind the first find it used
    assert sorted(type(r).__name__ for r in accepted) == ["Conflict"] * 7 + [
        "StaffInvitation"]
    assert all(r.code == "invitation_link_used" for r in accepted if isinstance(r, Conflict))
    assert count(db, StaffInvitation) == 1 and count(db, EventStaff) == 1
    assert [u.id for u in list_staff(db, actor, int(event_id))] == [helper.id]
