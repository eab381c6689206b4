"""Check-in lists (issue 28 §1): an event starts with a default list that admits as the
door always did; other lists admit a set of tickets, once or again, in a window; each
refusal says why, with who it was; each list counts its own attendees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.core.errors import NotFound
from models.ticketing.checkin import desk as door
from models.ticketing.checkin import lists
from models.ticketing.checkin.list_tables import CheckInList
from models.ticketing.checkin.rules import Refused
from models.ticketing.tables import CheckInScan
from tests.support.api import assert_error, auth, login
from tests.support.door import PASSWORD, DoorWorld, make_door_world, scans_of
from tests.support.outbox import count

URL = "/v1/events/{}/check-in-lists"


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def vip_list(db, world: DoorWorld, **rules) -> int:
    speaker = world.attendees["Alan"].ticket_id
    return lists.create_check_in_list(db, world.owner, world.event.id, {
        "name": "VIP door", "ticket_ids": [speaker], **rules}).row.id


def scan(db, world: DoorWorld, name: str, list_id: int | None, nonce: str, kind="entry"):
    return door.scan_at_door(db, world.staff, world.event.id, world.secret(name), kind=kind,
                             device_name="Desk 1", nonce=nonce, list_id=list_id)


def test_every_event_has_one_default_list_and_the_api_lists_it_first(client, db, world):
    token = login(client, world.staff.email, PASSWORD)
    r = client.get(URL.format(world.event.id), headers=auth(token))
    assert r.status_code == 200
    [default] = r.get_json()["data"]
    assert default["attributes"]["is-default"] is True
    assert default["attributes"]["ticket-ids"] is None
    again = client.get(URL.format(world.event.id), headers=auth(token))
    assert len(again.get_json()["data"]) == 1  # made once, on first use


def test_a_vip_list_refuses_a_standard_ticket_with_its_name_and_admits_a_speaker(db, world):
    vip = vip_list(db, world)
    with pytest.raises(Refused) as refused:
        scan(db, world, "Ada", vip, "n-ada-1")
    assert refused.value.code == "wrong_list"
    assert refused.value.attendee_name == "Ada Lovelace"
    assert "Standard" in refused.value.detail
    assert scans_of(db, world.attendees["Ada"]) == []
    assert scan(db, world, "Alan", vip, "n-alan-1").outcome == "ok"


def test_without_re_entry_a_second_entry_is_refused_but_a_resent_nonce_is_not(db, world):
    vip = vip_list(db, world, allow_re_entry=False, entry_after_exit=False)
    scan(db, world, "Alan", vip, "n-alan-1")
    assert scan(db, world, "Alan", vip, "n-alan-1").replayed  # the same scan, resent
    with pytest.raises(Refused) as refused:
        scan(db, world, "Alan", vip, "n-alan-2")
    assert refused.value.code == "already_inside"
    scan(db, world, "Alan", vip, "n-alan-out", kind="exit")
    with pytest.raises(Refused):  # entry-after-exit false: once means once
        scan(db, world, "Alan", vip, "n-alan-3")
    assert len(scans_of(db, world.attendees["Alan"])) == 2


def test_entry_after_exit_lets_back_in_who_went_out(db, world):
    vip = vip_list(db, world, allow_re_entry=False)
    scan(db, world, "Alan", vip, "n-alan-1")
    scan(db, world, "Alan", vip, "n-alan-out", kind="exit")
    assert scan(db, world, "Alan", vip, "n-alan-2").outcome == "ok"


def test_a_window_refuses_too_early_and_too_late(db, world):
    now = datetime.now(UTC)
    early = vip_list(db, world, valid_from=now + timedelta(hours=1))
    late = lists.create_check_in_list(db, world.owner, world.event.id, {
        "name": "Yesterday", "valid_until": now - timedelta(hours=1)}).row.id
    for list_id, code in ((early, "not_yet"), (late, "too_late")):
        with pytest.raises(Refused) as refused:
            scan(db, world, "Alan", list_id, f"n-{code}")
        assert refused.value.code == code
    assert scans_of(db, world.attendees["Alan"]) == []


def test_a_cancelled_ticket_is_refused_with_the_attendees_name(db, world):
    with pytest.raises(Refused) as refused:
        scan(db, world, "Carl", None, "n-carl-1")
    assert (refused.value.code, refused.value.attendee_name) == \
        ("attendee_cancelled", "Carl Cancelled")


def test_another_events_list_names_nobody_here(db, world):
    other = world.attendees["Linus"].event_id
    elsewhere = lists.create_check_in_list(db, world.owner, other, {"name": "Other"})
    with pytest.raises(NotFound):
        scan(db, world, "Ada", elsewhere.row.id, "n-ada-x")
    assert scans_of(db, world.attendees["Ada"]) == []


def test_the_api_scan_names_its_list_and_refuses_with_the_reason(client, db, world):
    vip = vip_list(db, world)
    token = login(client, world.staff.email, PASSWORD)
    r = client.post("/v1/check-in", headers=auth(token), json={
        "secret": world.secret("Ada"), "nonce": "api-ada-1", "check-in-list": vip})
    assert_error(r, 409, "wrong_list")
    assert count(db, CheckInScan) == 0
    r = client.post("/v1/check-in", headers=auth(token), json={
        "secret": world.secret("Ada"), "nonce": "api-ada-2"})  # no list: the default
    assert r.status_code == 200


def test_staff_and_strangers_cannot_make_lists_and_bad_input_makes_none(client, db, world):
    body = {"data": {"type": "check-in-list", "attributes": {"name": "Mine"}}}
    for email, status in ((world.staff.email, 403), (world.stranger.email, 403)):
        r = client.post(URL.format(world.event.id), json=body,
                        headers=auth(login(client, email, PASSWORD)))
        assert r.status_code == status
    owner = auth(login(client, world.owner.email, PASSWORD))
    foreign = world.attendees["Linus"].ticket_id
    bad = [({"name": "X", "ticket-ids": [foreign]}, 422, "unknown_ticket"),
           ({"name": ""}, 422, None),
           ({"name": "X", "valid-from": "2027-03-02T00:00:00Z",
             "valid-until": "2027-03-01T00:00:00Z"}, 422, "window_reversed")]
    for attrs, status, code in bad:
        r = client.post(URL.format(world.event.id), headers=owner,
                        json={"data": {"type": "check-in-list", "attributes": attrs}})
        assert_error(r, status, code)
    assert client.post(URL.format(world.event.id), headers=owner, json=body).status_code == 201
    assert_error(client.post(URL.format(world.event.id), headers=owner, json=body),
                 409, "list_name_taken")
    with db.session() as s:
        assert s.query(CheckInList).filter_by(event_id=world.event.id).count() == 1


def test_the_default_list_keeps_todays_rules(client, db, world):
    [default] = lists.check_in_lists(db, world.owner, world.event.id)
    owner = auth(login(client, world.owner.email, PASSWORD))
    r = client.patch(f"{URL.format(world.event.id)}/{default.row.id}", headers=owner, json={
        "data": {"type": "check-in-list", "id": str(default.row.id),
                 "attributes": {"allow-re-entry": False}}})
    assert_error(r, 409, "default_list_rules")


def test_each_list_counts_its_own_attendees(client, db, world):
    vip = vip_list(db, world)
    scan(db, world, "Alan", vip, "n-alan-1")
    scan(db, world, "Ada", None, "n-ada-1")
    token = auth(login(client, world.staff.email, PASSWORD))
    meta = client.get(f"{URL.format(world.event.id)}/{vip}/status",
                      headers=token).get_json()["meta"]
    assert (meta["total"], meta["checked-in"], meta["inside"]) == (1, 1, 1)
    assert [t["name"] for t in meta["tickets"]] == ["Speaker"]
    default = lists.check_in_lists(db, world.owner, world.event.id)[0]
    meta = client.get(f"{URL.format(world.event.id)}/{default.row.id}/status",
                      headers=token).get_json()["meta"]
    assert (meta["total"], meta["checked-in"], meta["inside"]) == (28, 2, 2)
