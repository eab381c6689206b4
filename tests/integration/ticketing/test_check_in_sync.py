"""A desk's copy of its check-in list (issue 28 §2): salted hashes of the codes, never the
codes; a sync by cursor returns only what changed since, so its cost is the number of
changes, not the size of the list."""

from __future__ import annotations

import json

import pytest

from models.ticketing.checkin import lists, sync
from models.ticketing.checkin import scan as checkin
from models.ticketing.orders.cancel import cancel_order
from tests.support.api import assert_error, auth, login
from tests.support.crowd import make_crowd
from tests.support.door import PASSWORD, DoorWorld, make_door_world
from tests.support.statements import executed

CHANGES = 100


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def sync_url(world: DoorWorld, list_id: int, since: str | None = None) -> str:
    url = f"/v1/events/{world.event.id}/check-in-lists/{list_id}/sync"
    return url + (f"?since={since}" if since else "")


def test_a_desk_gets_salted_hashes_never_the_codes(client, db, world):
    default = lists.check_in_lists(db, world.owner, world.event.id)[0]
    token = auth(login(client, world.staff.email, PASSWORD))
    r = client.get(sync_url(world, default.row.id), headers=token)
    assert r.status_code == 200
    body, meta = r.get_data(as_text=True), r.get_json()["meta"]
    for name in ("Ada", "Alan", "Guest 07"):
        assert world.secret(name) not in body
        assert world.identifiers[world.attendees[name].order_id] not in body
    ada = next(a for a in meta["attendees"] if a[0] == world.attendees["Ada"].id)
    salt = meta["salt"]
    assert ada[1:] == [sync.code_hash(salt, world.secret("Ada")),
                       sync.code_hash(salt, world.order_code("Ada")), "Ada Lovelace",
                       world.attendees["Ada"].ticket_id, "new"]
    carl = next(a for a in meta["attendees"] if a[0] == world.attendees["Carl"].id)
    assert carl[-1] == "cancelled"
    assert len(meta["attendees"]) == 29 and meta["reset"] is True
    assert set(meta["tickets"].values()) == {"Standard", "Speaker"}


def test_a_sync_returns_only_what_changed_since_its_cursor(client, db, world):
    default = lists.check_in_lists(db, world.owner, world.event.id)[0]
    token = auth(login(client, world.staff.email, PASSWORD))
    first = client.get(sync_url(world, default.row.id), headers=token).get_json()["meta"]
    idle = client.get(sync_url(world, default.row.id, first["cursor"]),
                      headers=token).get_json()["meta"]
    assert (idle["attendees"], idle["reset"]) == ([], False)
    checkin.check_in_attendee(db, world.staff.id, world.attendees["Ada"].id, nonce="n-ada")
    cancel_order(db, world.owner, world.attendees["Alan"].order_id)
    later = client.get(sync_url(world, default.row.id, idle["cursor"]),
                       headers=token).get_json()["meta"]
    assert [(a[0], a[-1]) for a in later["attendees"]] == [
        (world.attendees["Ada"].id, "inside"), (world.attendees["Alan"].id, "cancelled")]


def test_a_changed_list_makes_desks_start_again(client, db, world):
    default = lists.check_in_lists(db, world.owner, world.event.id)[0]
    vip = lists.create_check_in_list(db, world.owner, world.event.id, {"name": "VIP"})
    token = auth(login(client, world.staff.email, PASSWORD))
    first = client.get(sync_url(world, vip.row.id), headers=token).get_json()["meta"]
    lists.update_check_in_list(db, world.owner, world.event.id, vip.row.id,
                               {"allow_re_entry": False})
    again = client.get(sync_url(world, vip.row.id, first["cursor"]),
                       headers=token).get_json()["meta"]
    assert again["reset"] is True and len(again["attendees"]) == 29
    assert again["list"]["attributes"]["allow-re-entry"] is False
    assert default.row.id != vip.row.id


def test_strangers_and_made_up_cursors_get_nothing(client, db, world):
    default = lists.check_in_lists(db, world.owner, world.event.id)[0]
    stranger = auth(login(client, world.stranger.email, PASSWORD))
    assert_error(client.get(sync_url(world, default.row.id), headers=stranger), 403)
    staff = auth(login(client, world.staff.email, PASSWORD))
    for cursor in ("x", "1.-5.0", "1", "1.2", "99999999999.1.0", "1.2.3.4"):
        assert_error(client.get(sync_url(world, default.row.id, cursor), headers=staff),
                     422, "invalid_cursor")
    other = world.attendees["Linus"].event_id
    foreign = lists.check_in_lists(db, world.owner, other)[0]
    assert_error(client.get(sync_url(world, foreign.row.id), headers=staff), 404)


def _incremental_sync_cost(db, size: int, tag: str) -> tuple[int, int, int]:
    """(statements, attendees returned, rows the attendees scan read) of a sync after
    CHANGES scans on a list of `size`."""
    crowd = make_crowd(db, size, tag=tag)
    owner = crowd.owner
    list_id = lists.check_in_lists(db, owner, crowd.event_id)[0].row.id
    cursor = None
    while True:
        page = sync.sync_list(db, owner, crowd.event_id, list_id, cursor)
        cursor = str(page.cursor)
        if not page.more:
            break
    for a in crowd.attendees[:CHANGES]:
        checkin.check_in_attendee(db, owner.id, a.id, nonce=f"n-{a.id}")
    with executed(db) as seen:
        page = sync.sync_list(db, owner, crowd.event_id, list_id, cursor)
    [(statement, params)] = [(s, p) for s, p in seen if "sync_seq" in s]
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                    params).scalar_one()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return len(seen), len(page.attendees), _rows_read(plan[0]["Plan"], "attendees")


def _rows_read(node: dict, table: str) -> int:
    """Rows a plan's scans of `table` read: those they returned and those their filter
    dropped."""
    read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0) + \
        node.get("Rows Removed by Index Recheck", 0)
    own = read * node.get("Actual Loops", 1) if node.get("Relation Name") == table else 0
    return own + sum(_rows_read(child, table) for child in node.get("Plans", []))


def test_an_incremental_sync_costs_the_changes_not_the_list(db):
    small = _incremental_sync_cost(db, 300, "small")
    large = _incremental_sync_cost(db, 3000, "large")
    assert small[1] == large[1] == CHANGES
    assert small[0] == large[0]  # statements
    assert large[2] <= CHANGES  # rows of attendees read: the changed ones only


def test_a_change_committed_after_a_later_one_still_reaches_the_desk(db, world):
    """Sequence numbers are taken inside transactions that commit in any order: a sync
    that saw a later number must not skip an earlier one committed after it."""
    default = lists.check_in_lists(db, world.owner, world.event.id)[0].row.id
    first = sync.sync_list(db, world.staff, world.event.id, default, None)
    with db.engine.connect() as slow:
        slow.exec_driver_sql("UPDATE attendees SET first_name = 'Augusta' WHERE id = %s",
                             (world.attendees["Ada"].id,))  # takes its number, waits
        checkin.check_in_attendee(db, world.staff.id, world.attendees["Grace"].id,
                                  nonce="n-grace")
        seen = sync.sync_list(db, world.staff, world.event.id, default, str(first.cursor))
        assert [a[0] for a in seen.attendees] == [world.attendees["Grace"].id]
        slow.commit()
    later = sync.sync_list(db, world.staff, world.event.id, default, str(seen.cursor))
    assert [a[3] for a in later.attendees if a[0] == world.attendees["Ada"].id] == \
        ["Augusta Lovelace"]
