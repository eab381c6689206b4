"""The stats consumer takes events in any order: a check-out before its check-in, a
cancel before its order, are applied (not dead-lettered) and the counts end exact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bus.consume import Delivery, Outcome
from consumers.stats import CONSUMER
from consumers.tracking import TrackedWork
from models.accounts.users import create_user
from models.catalog.events import create_event
from models.ticketing.stats.service import get_event_stats
from models.ticketing.stats.tables import EventStats, TicketStats

ACK = Outcome("ack")


def event(routing_key: str, **data) -> Delivery:
    data = {"event_id": 7, **data}
    return Delivery(message_id=str(uuid.uuid4()), routing_key=routing_key,
                    type=f"venuebus.{routing_key}", data=data, envelope={"data": data},
                    headers={}, attempt=1, redelivered=False)


def counts(db) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    with db.session() as s:
        e, t = s.get(EventStats, 7), s.get(TicketStats, 3)
        return (e.sold, e.checked_in, e.inside), (t.sold, t.checked_in, t.inside)


def test_check_out_before_its_check_in_and_cancel_before_its_order_are_taken(db):
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    placed = event("order.placed", order_id=1, user_id=1, lines=[{"ticket_id": 3,
                                                                   "quantity": 2}])
    cancelled = event("order.cancelled", order_id=1, user_id=1,
                      lines=[{"ticket_id": 3, "quantity": 2, "checked_in": 0, "inside": 0}])
    checked_in = event("attendee.checked_in", ticket_id=3, scan_id=10, device_name="gate",
                       first_check_in=True, was_inside=False)
    checked_out = event("attendee.checked_out", ticket_id=3, scan_id=11, was_inside=True)

    assert work([checked_out]) == [ACK]  # inside -1 until its check-in arrives
    assert work([cancelled]) == [ACK]  # sold -2 until its order arrives
    assert counts(db) == ((-2, 0, -1), (-2, 0, -1))
    assert work([checked_in, placed]) == [ACK, ACK]
    assert counts(db) == ((0, 1, 0), (0, 1, 0))


def test_reads_clamp_a_count_below_zero_at_zero(db):
    owner = create_user(db, "o@example.com", "password123", is_admin=True)
    now = datetime.now(UTC)
    event_id = create_event(db, owner, {"name": "E", "starts_at": now, "ends_at": now}).id
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    out = event("attendee.checked_out", ticket_id=3, scan_id=11, was_inside=True)
    out.data["event_id"] = event_id
    assert work([out]) == [ACK]
    view = get_event_stats(db, owner, event_id)
    assert (view.sold, view.checked_in, view.inside) == (0, 0, 0)
    assert [(t.ticket_id, t.inside) for t in view.tickets] == [(3, 0)]
