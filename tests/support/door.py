"""A door to work: an event with its owner, a staff member, a stranger, orders of
several attendees (one cancelled), and another event whose tickets must not open it.
Made through the service functions, as the API would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from models.accounts.tables import User
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.catalog.tables import Event
from models.core.db import Database
from models.ticketing.invitations import invite_staff
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.place import AttendeeDetails, place_order
from models.ticketing.tables import Attendee, CheckInScan
from tests.support.accounts import accept_staff_invitation

PASSWORD = "password123"
GUESTS = 25  # more than a search shows


@dataclass
class DoorWorld:
    owner: User
    staff: User
    stranger: User
    event: Event
    attendees: dict[str, Attendee]  # by first name; guests as "Guest 01".."Guest 25"
    identifiers: dict[int, str]  # order id -> the order's random identifier

    def secret(self, first_name: str) -> str:
        return self.attendees[first_name].checkin_secret

    def order_code(self, first_name: str) -> str:
        attendee = self.attendees[first_name]
        return f"{self.identifiers[attendee.order_id]}-{attendee.id}"

    def id_code(self, first_name: str) -> str:
        """The guessable `<order id>-<attendee id>` that opens nothing."""
        attendee = self.attendees[first_name]
        return f"{attendee.order_id}-{attendee.id}"


def _event(db: Database, owner: User, name: str) -> Event:
    return catalog.create_event(db, owner, {"name": name,
                                            "starts_at": datetime(2027, 3, 1, 9, tzinfo=UTC),
                                            "ends_at": datetime(2027, 3, 2, 18, tzinfo=UTC)})


def make_door_world(db: Database) -> DoorWorld:
    owner = create_user(db, "owner@example.com", PASSWORD)
    staff = create_user(db, "door@example.com", PASSWORD)
    stranger = create_user(db, "stranger@example.com", PASSWORD)
    buyer = create_user(db, "buyer@example.com", PASSWORD)
    event = _event(db, owner, "PyCon Door Test")
    invitation = invite_staff(db, owner, event.id, staff.email)
    accept_staff_invitation(db, staff, invitation)
    standard = catalog.create_ticket(db, owner, event.id, {"name": "Standard", "quantity": 100,
                                                           "max_order": 50})
    speaker = catalog.create_ticket(db, owner, event.id, {"name": "Speaker", "quantity": 10})
    attendees: dict[str, Attendee] = {}
    identifiers: dict[int, str] = {}

    def order(*people: tuple[int, str, str, str | None], user: User = buyer,
              at: Event = event) -> list[Attendee]:
        placed = place_order(db, user, at.id, [AttendeeDetails(*p) for p in people])
        identifiers[placed.order.id] = placed.order.identifier
        for a in placed.attendees:
            attendees[a.first_name if a.first_name != "Guest" else f"Guest {a.last_name}"] = a
        return placed.attendees

    order((standard.id, "Ada", "Lovelace", "ada@example.com"),
          (standard.id, "Grace", "Hopper", "grace@example.com"))
    order((speaker.id, "Alan", "Turing", "alan@example.com"))
    order(*[(standard.id, "Guest", f"{n:02d}", f"guest{n:02d}@example.com")
            for n in range(1, GUESTS + 1)])
    carl = order((standard.id, "Carl", "Cancelled", None))
    cancel_order(db, owner, carl[0].order_id)
    other = _event(db, owner, "Another Conference")
    elsewhere = catalog.create_ticket(db, owner, other.id, {"name": "Other", "quantity": 5})
    order((elsewhere.id, "Linus", "Elsewhere", "linus@example.com"), at=other)
    return DoorWorld(owner, staff, stranger, event, attendees, identifiers)


def scans_of(db: Database, attendee: Attendee) -> list[CheckInScan]:
    with db.session() as s:
        return list(s.scalars(select(CheckInScan).where(CheckInScan.attendee_id == attendee.id)
                              .order_by(CheckInScan.id)))
