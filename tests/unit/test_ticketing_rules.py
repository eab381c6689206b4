"""Pure ticketing rules: request parsing, Open Event's device-name rules, discounts, and
the stats deltas."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from api.errors import ApiError
from api.order_input import on_site_tickets
from models.core.errors import Invalid
from models.ticketing.checkin.patch import _new_entries, check_device_rules
from models.ticketing.discounts import Discount
from models.ticketing.stats.service import Deltas, collect, fact_of
from models.ticketing.tables import DiscountCode


def test_both_on_site_ticket_forms_with_strings_or_numbers():
    attrs = {"on-site-tickets": [
        {"id": "3", "quantity": "2"}, {"id": 4, "quantity": 1.0},
        {"data": {"type": "on-site-ticket", "attributes": {"id": "5", "quantity": 7}}}]}
    assert on_site_tickets(attrs) == [(3, 2), (4, 1), (5, 7)]
    assert on_site_tickets({}) == []


@pytest.mark.parametrize("item", [{"id": "1"}, {"quantity": 1}, "1", {"id": "x", "quantity": 1},
                                  {"id": "1", "quantity": "0"}, {"id": "1", "quantity": "-1"},
                                  {"data": {"type": "ticket", "attributes": {"id": 1,
                                                                           "quantity": 1}}}])
def test_malformed_on_site_tickets_point_at_the_member(item):
    with pytest.raises(ApiError) as err:
        on_site_tickets({"on-site-tickets": [item]})
    assert err.value.status == 422 and err.value.pointer == "/data/attributes/on-site-tickets"


@pytest.mark.parametrize(("changes", "detail"), [
    ({"device_name_checkin": "a"}, "Attendee needs to be checked in first"),
    ({"device_name_checkin": "a", "is_checked_in": False}, "Attendee needs to be checked in first"),
    ({"device_name_checkin": "a", "is_checked_in": True}, "Check in Times missing"),
])
def test_device_name_rules_in_open_events_order(changes, detail):
    with pytest.raises(Invalid) as err:
        check_device_rules(changes)
    assert err.value.detail == detail
    assert err.value.pointer == "/data/attributes/device-name-checkin"


def test_device_names_pair_with_new_times_or_with_open_events_full_list():
    t1, t2 = datetime(2027, 1, 1, 9, tzinfo=UTC), datetime(2027, 1, 1, 10, tzinfo=UTC)
    assert _new_entries([], {"checkin_times": "2027-01-01T09:00:00Z"}) == [(t1, "-")]
    full = {"checkin_times": "2027-01-01T09:00:00Z,2027-01-01T10:00:00+00:00",
            "device_name_checkin": "b"}
    assert _new_entries([t1], full) == [(t2, "b")]
    with pytest.raises(Invalid, match="Check in Times missing for the corresponding device"):
        _new_entries([], full)
    with pytest.raises(Invalid, match="not an ISO-8601 time"):
        _new_entries([], {"checkin_times": "yesterday"})


def test_discounts_never_exceed_the_price():
    amount = Discount(DiscountCode(type="amount", value=Decimal("15")), {1})
    percent = Discount(DiscountCode(type="percent", value=Decimal("12.5")), {1})
    assert amount.per_unit(Decimal("10")) == Decimal("10.00")
    assert amount.per_unit(Decimal("40")) == Decimal("15.00")
    assert percent.per_unit(Decimal("9.99")) == Decimal("1.25")


def test_stats_facts_and_deltas():
    placed = {"order_id": 7, "event_id": 1, "lines": [{"ticket_id": 2, "quantity": 3}]}
    assert fact_of("order.placed", placed) == "order.placed:7"
    assert fact_of("order.cancelled", placed) == "order.cancelled:7"
    assert fact_of("attendee.checked_in", {"scan_id": 9}) == "scan:9"
    d = Deltas()
    collect(d, "order.placed", placed)
    collect(d, "attendee.checked_in", {"event_id": 1, "ticket_id": 2, "first_check_in": True,
                                       "was_inside": False, "device_name": None})
    collect(d, "attendee.checked_in", {"event_id": 1, "ticket_id": 2, "first_check_in": False,
                                       "was_inside": True, "device_name": "g"})
    collect(d, "attendee.checked_out", {"event_id": 1, "ticket_id": 2, "was_inside": True})
    assert dict(d.events[1]) == {"sold": 3, "checked_in": 1, "inside": 0}
    assert dict(d.devices) == {(1, "-"): 1, (1, "g"): 1}
    with pytest.raises(ValueError):
        collect(d, "rating.changed", {"event_id": 1})
