"""Per-aggregate order when several relays claim rows (pure logic)."""

from __future__ import annotations

from types import SimpleNamespace

from producers.relay import in_aggregate_order


def rows(*specs):
    return [SimpleNamespace(id=i, aggregate=a) for i, a in specs]


def test_rows_behind_an_older_row_held_elsewhere_wait():
    mine = rows((2, "a"), (3, "b"), (5, "a"))
    unpublished = [(1, "a"), (2, "a"), (3, "b"), (5, "a")]  # row 1 of "a" is someone else's
    assert [r.id for r in in_aggregate_order(mine, unpublished)] == [3]


def test_a_gap_inside_an_aggregate_stops_it_there():
    mine = rows((1, "a"), (4, "a"), (5, "b"))
    unpublished = [(1, "a"), (3, "a"), (4, "a"), (5, "b")]
    assert [r.id for r in in_aggregate_order(mine, unpublished)] == [1, 5]


def test_all_rows_go_when_nothing_older_is_pending():
    mine = rows((1, "a"), (2, "b"), (3, "a"))
    assert [r.id for r in in_aggregate_order(mine, [(1, "a"), (2, "b"), (3, "a")])] == [1, 2, 3]
