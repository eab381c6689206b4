"""Orders and check-ins reach the stats read models through the real relay, RabbitMQ and
a `venuebus consume stats` process."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.accounts.users import create_user
from models.catalog import events as catalog
from models.ticketing.checkin import scan as checkin
from models.ticketing.orders.place import place_onsite_order
from models.ticketing.stats.service import get_event_stats
from tests.support.processes import wait_until

pytestmark = pytest.mark.slow


def test_sales_and_scans_show_up_in_stats_through_the_broker(db, procs):
    procs.start("relay", ready="relay running")
    procs.start("consume", "stats", ready="consumer stats running")
    owner = create_user(db, "owner@example.com", "password123")
    event = catalog.create_event(db, owner, {"name": "E", "starts_at": datetime.now(UTC),
                                             "ends_at": datetime.now(UTC)})
    ticket = catalog.create_ticket(db, owner, event.id, {"name": "Std", "quantity": 50})
    placed = place_onsite_order(db, owner, event.id, [(ticket.id, 4)])
    for attendee, device in zip(placed.attendees[:3], ["a", "b", "b"], strict=True):
        checkin.check_in_attendee(db, owner.id, attendee.id, device_name=device)
    checkin.check_out_attendee(db, owner.id, placed.attendees[0].id)

    def settled():
        v = get_event_stats(db, owner, event.id)
        return (v.sold, v.checked_in, v.inside) == (4, 3, 2) and \
            {d.device_name: d.check_ins for d in v.devices} == {"a": 1, "b": 2}

    wait_until(settled, timeout=30, what="stats to catch up")
