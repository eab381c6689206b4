"""Scans an offline desk uploads (issue 28 §3): facts at the time they were made, a nonce
counting once; two desks admitting one ticket leave a conflict with both scans; a ticket
cancelled meanwhile leaves a refused-after-admitted conflict. Nothing is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.core.errors import Forbidden, Invalid
from models.ticketing.checkin import conflicts, lists
from models.ticketing.checkin.offline import OfflineScan, parse_offline_scans, record_offline_scans
from models.ticketing.orders.cancel import cancel_order
from tests.support.door import DoorWorld, make_door_world, scans_of

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def offline(world: DoorWorld, name: str, nonce: str, minutes: int, device: str = "Desk A"):
    return OfflineScan(world.attendees[name].id, nonce, T0 + timedelta(minutes=minutes),
                       device)


def upload(db, world: DoorWorld, *scans, list_id=None):
    return [r.outcome for r in record_offline_scans(db, world.staff, world.event.id,
                                                    list_id, list(scans))]


def test_offline_scans_keep_their_scan_time_and_a_resent_nonce_counts_once(db, world):
    batch = [offline(world, "Ada", "off-ada-01", 1), offline(world, "Grace", "off-grace-1", 2)]
    assert upload(db, world, *batch) == ["recorded", "recorded"]
    assert upload(db, world, *batch) == ["replayed", "replayed"]
    [ada] = scans_of(db, world.attendees["Ada"])
    assert (ada.at, ada.device_name, ada.nonce) == (T0 + timedelta(minutes=1), "Desk A",
                                                    "off-ada-01")
    assert ada.created_at > ada.at  # arrived later than it was made


def test_two_desks_admitting_one_ticket_leave_one_conflict_and_both_scans(db, world):
    assert upload(db, world, offline(world, "Ada", "desk-a-ada", 5, "Desk A")) == ["recorded"]
    # Desk B's scan was made earlier but arrives later: still the same ticket twice
    assert upload(db, world, offline(world, "Ada", "desk-b-ada", 4, "Desk B")) == \
        ["double_entry"]
    assert len(scans_of(db, world.attendees["Ada"])) == 2
    [conflict] = conflicts.event_conflicts(db, world.owner, world.event.id)
    assert (conflict.kind, conflict.name, conflict.device_name, conflict.other_device) == \
        ("double_entry", "Ada Lovelace", "Desk B", "Desk A")
    assert conflict.scanned_at == T0 + timedelta(minutes=4)
    assert conflict.other_at == T0 + timedelta(minutes=5)
    upload(db, world, offline(world, "Ada", "desk-b-ada", 4, "Desk B"))  # resent
    assert len(conflicts.event_conflicts(db, world.owner, world.event.id)) == 1


def test_a_ticket_cancelled_while_the_desk_was_offline_is_a_conflict_not_an_entry(db, world):
    cancel_order(db, world.owner, world.attendees["Alan"].order_id)
    assert upload(db, world, offline(world, "Alan", "off-alan-1", 3)) == \
        ["refused_after_admitted"]
    assert upload(db, world, offline(world, "Alan", "off-alan-1", 3)) == ["replayed"]
    assert scans_of(db, world.attendees["Alan"]) == []
    [conflict] = conflicts.event_conflicts(db, world.staff, world.event.id)
    assert (conflict.kind, conflict.reason) == ("refused_after_admitted",
                                                "attendee_cancelled")


def test_an_entry_older_than_a_later_exit_leaves_the_attendee_out(db, world):
    from models.ticketing.checkin import scan as checkin
    checkin.check_in_attendee(db, world.staff.id, world.attendees["Ada"].id, nonce="on-in")
    checkin.check_out_attendee(db, world.staff.id, world.attendees["Ada"].id, nonce="on-out")
    upload(db, world, offline(world, "Ada", "off-ada-old", -10))
    [a] = lists.list_status(db, world.owner, world.event.id, lists.check_in_lists(
        db, world.owner, world.event.id)[0].row.id).by_ticket[:1]
    assert a[4] == 0  # nobody inside: Ada's latest scan is her exit


def test_strangers_cannot_upload_and_bad_uploads_record_nothing(db, world):
    with pytest.raises(Forbidden):
        record_offline_scans(db, world.stranger, world.event.id, None,
                             [offline(world, "Ada", "stranger-1", 1)])
    with pytest.raises(Invalid):
        upload(db, world, OfflineScan(world.attendees["Ada"].id, "future-01",
                                      datetime.now(UTC) + timedelta(hours=1), "Desk A"))
    for bad in ({"attendee": "1", "nonce": "abcdefgh", "scanned-at": T0.isoformat()},
                {"attendee": 1, "nonce": "short", "scanned-at": T0.isoformat()},
                {"attendee": 1, "nonce": "abcdefgh", "scanned-at": "2027-03-01T10:00:00"},
                {"attendee": 1, "nonce": "abcdefgh"}, "x"):
        with pytest.raises(Invalid) as refused:
            parse_offline_scans([bad])
        assert refused.value.pointer == "/scans/0"
    assert scans_of(db, world.attendees["Ada"]) == []
    other = world.attendees["Linus"]  # another event's attendee names nobody here
    assert upload(db, world, OfflineScan(other.id, "other-evt-1", T0, "Desk A")) == \
        ["unknown_attendee"]
    assert scans_of(db, other) == []


def test_ops_shows_every_events_conflicts_to_admins_only(client, db, world):
    from models.accounts.users import create_user
    from tests.support.pages import csrf_token
    upload(db, world, offline(world, "Ada", "desk-a-ada", 5, "Desk A"))
    upload(db, world, offline(world, "Ada", "desk-b-ada", 6, "Desk B"))
    create_user(db, "root@example.com", "password123", is_admin=True, verified=True)
    for email, status in ((world.owner.email, 403), ("root@example.com", 200)):
        client.post("/signin", data={"email": email, "password": "password123",
                                     "csrf_token": csrf_token(client)})
        r = client.get("/ops/conflicts")
        assert r.status_code == status
        client.post("/signout", data={"csrf_token": csrf_token(client, "/home")})
    page = r.get_data(as_text=True)
    assert 'data-conflict="double_entry"' in page
    assert all(text in page for text in ("Ada Lovelace", "Desk A", "Desk B"))


def test_the_api_takes_a_devices_offline_scans_once_and_refuses_bad_ones(client, db, world):
    from tests.support.api import assert_error, auth, login
    from tests.support.door import PASSWORD
    default = lists.check_in_lists(db, world.owner, world.event.id)[0].row.id
    url = f"/v1/events/{world.event.id}/check-in-lists/{default}/scans"
    scans = {"scans": [{"attendee": world.attendees["Ada"].id, "nonce": "app-ada-01",
                        "scanned-at": (T0 + timedelta(minutes=2)).isoformat(),
                        "device-name": "Phone 3"}]}
    staff = auth(login(client, world.staff.email, PASSWORD))
    for _ in range(2):
        r = client.post(url, headers=staff, json=scans)
        assert r.status_code == 200
    assert r.get_json()["meta"]["results"] == [{"nonce": "app-ada-01", "outcome": "replayed"}]
    [ada] = scans_of(db, world.attendees["Ada"])
    assert (ada.at, ada.device_name) == (T0 + timedelta(minutes=2), "Phone 3")
    stranger = auth(login(client, world.stranger.email, PASSWORD))
    assert_error(client.post(url, headers=stranger, json=scans), 403)
    bad = {"scans": [{**scans["scans"][0], "nonce": "x"}]}
    assert_error(client.post(url, headers=staff, json=bad), 422, "invalid_scan", "/scans/0")
    foreign = lists.check_in_lists(db, world.owner, world.attendees["Linus"].event_id)[0]
    assert_error(client.post(f"/v1/events/{world.event.id}/check-in-lists/{foreign.row.id}"
                             "/scans", headers=staff, json=scans), 404, "unknown_list")
    assert len(scans_of(db, world.attendees["Ada"])) == 1
