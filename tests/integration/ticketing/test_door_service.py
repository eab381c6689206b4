"""The door desk's service (models.ticketing.checkin.desk) on the real database: codes are looked
up within the door's event only, search is bounded, and every scan goes through the
check-in service, so a resent nonce never counts twice."""

from __future__ import annotations

import pytest

from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.ticketing.checkin import desk as door
from models.ticketing.checkin import lists
from tests.support.door import GUESTS, DoorWorld, make_door_world, scans_of


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def _scan(db, world: DoorWorld, code: str, nonce: str = "nonce-0001", kind: str = "entry"):
    return door.scan_at_door(db, world.staff, world.event.id, code, kind=kind,
                             device_name="Desk 1", nonce=nonce)


def test_secret_and_order_code_both_scan_in_with_the_device_name(db, world):
    by_secret = _scan(db, world, world.secret("Ada"))
    by_code = _scan(db, world, world.order_code("Grace"), nonce="nonce-0002")
    assert (by_secret.outcome, by_secret.card.name) == ("ok", "Ada Lovelace")
    assert (by_code.outcome, by_code.card.name, by_code.card.ticket_name) == \
        ("ok", "Grace Hopper", "Standard")
    assert [(s.kind, s.device_name, s.nonce) for s in scans_of(db, world.attendees["Ada"])] \
        == [("entry", "Desk 1", "nonce-0001")]


def test_second_entry_says_already_inside_and_a_resent_nonce_counts_once(db, world):
    _scan(db, world, world.secret("Ada"), nonce="first-scan")
    again = _scan(db, world, world.secret("Ada"), nonce="second-scan")
    resent = _scan(db, world, world.secret("Ada"), nonce="second-scan")
    assert (again.outcome, again.replayed) == ("inside", False)
    assert (resent.outcome, resent.replayed) == ("inside", True)
    assert len(scans_of(db, world.attendees["Ada"])) == 2


def test_codes_of_another_event_or_another_order_open_nothing(db, world):
    linus = world.attendees["Linus"]
    alan = world.attendees["Alan"]
    wrong_order = f"{world.identifiers[alan.order_id]}-{world.attendees['Ada'].id}"
    for code in (world.secret("Linus"), world.order_code("Linus"), wrong_order,
                 "no-such-secret"):
        with pytest.raises(NotFound):
            _scan(db, world, code)
    with pytest.raises(Invalid):
        _scan(db, world, "x" * 65)
    assert scans_of(db, linus) == [] and scans_of(db, world.attendees["Ada"]) == []


def test_cancelled_attendee_is_refused_and_strangers_may_not_work_the_door(db, world):
    with pytest.raises(Conflict, match="cancelled"):
        _scan(db, world, world.secret("Carl"))
    with pytest.raises(Forbidden):
        door.scan_at_door(db, world.stranger, world.event.id, world.secret("Ada"),
                          kind="entry", device_name=None, nonce="nonce-0001")
    with pytest.raises(Forbidden):
        door.search_attendees(db, world.stranger, world.event.id, "Ada")
    assert scans_of(db, world.attendees["Carl"]) == []
    assert scans_of(db, world.attendees["Ada"]) == []


def test_search_needs_two_characters_and_shows_at_most_twenty(db, world):
    def names(text: str) -> list[str] | None:
        found = door.search_attendees(db, world.staff, world.event.id, text)
        return None if found is None else [c.name for c in found]

    assert names("") is None and names(" a ") is None
    assert GUESTS > door.SEARCH_LIMIT
    assert len(names("guest")) == door.SEARCH_LIMIT
    assert names("LOVE") == ["Ada Lovelace"]
    assert names("grace@") == ["Grace Hopper"]
    assert names("ada lovelace") == ["Ada Lovelace"]
    alan_order = world.attendees["Alan"].order_id  # a number of two digits or more
    assert "Alan Turing" in names(f"{alan_order:02d}")
    assert names("linus") == []  # another event's attendee
    assert names("%%") == [] and names("_u") == []  # LIKE wildcards are plain characters


def test_whole_order_checks_in_who_is_not_inside_once_even_when_resent(db, world):
    _scan(db, world, world.secret("Ada"))
    first = door.check_in_order(db, world.staff, world.event.id, world.attendees["Ada"].id,
                                device_name="Desk 1", nonce="order-nonce")
    assert [(s.card.name, s.outcome) for s in first] == [("Grace Hopper", "ok")]
    assert door.check_in_order(db, world.staff, world.event.id, world.attendees["Ada"].id,
                               device_name="Desk 1", nonce="order-nonce") == []
    assert len(scans_of(db, world.attendees["Grace"])) == 1
    assert len(scans_of(db, world.attendees["Ada"])) == 1


def test_undo_checks_out_and_the_counts_follow(db, world):
    _scan(db, world, world.secret("Ada"))
    _scan(db, world, world.secret("Alan"), nonce="nonce-0002")
    undone = door.scan_attendee(db, world.staff, world.event.id, world.attendees["Alan"].id,
                                kind="exit", device_name="Desk 1", nonce="nonce-0003")
    assert undone.outcome == "out" and not undone.card.inside
    active = len(world.attendees) - 2  # Carl is cancelled, Linus is at another event
    default = lists.check_in_lists(db, world.owner, world.event.id)[0].row.id
    status = lists.list_status(db, world.owner, world.event.id, default)
    assert (status.checked_in, status.total, status.inside) == (2, active, 1)
    with pytest.raises(NotFound):  # an attendee of another event, by id
        door.scan_attendee(db, world.staff, world.event.id, world.attendees["Linus"].id,
                           kind="entry", device_name=None, nonce="nonce-0004")
