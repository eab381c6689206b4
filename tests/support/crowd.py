"""An event with many attendees, made through the service functions in orders of up to
`per_order` attendees (the sync's and the bench's lists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from models.accounts.tables import User
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.core.db import Database
from models.ticketing.orders.place import AttendeeDetails, place_order
from models.ticketing.tables import Attendee


@dataclass
class Crowd:
    owner: User
    event_id: int
    attendees: list[Attendee]
    identifiers: dict[int, str]  # order id -> identifier

    def order_code(self, attendee: Attendee) -> str:
        return f"{self.identifiers[attendee.order_id]}-{attendee.id}"


def make_crowd(db: Database, size: int, *, tag: str = "crowd", per_order: int = 500) -> Crowd:
    owner = create_user(db, f"owner-{tag}@example.com", "password123")
    buyer = create_user(db, f"buyer-{tag}@example.com", "password123")
    event = catalog.create_event(db, owner, {
        "name": f"Crowd {tag}", "starts_at": datetime(2027, 3, 1, 9, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 2, 18, tzinfo=UTC)})
    ticket = catalog.create_ticket(db, owner, event.id, {
        "name": "Standard", "quantity": size, "max_order": min(size, 10_000)})
    attendees: list[Attendee] = []
    identifiers: dict[int, str] = {}
    for start in range(0, size, per_order):
        people = [AttendeeDetails(ticket.id, "Guest", f"{n:05d}")
                  for n in range(start, min(size, start + per_order))]
        placed = place_order(db, buyer, event.id, people)
        identifiers[placed.order.id] = placed.order.identifier
        attendees.extend(placed.attendees)
    return Crowd(owner, event.id, attendees, identifiers)
