"""An event's roster: the one way other domains (badges) read its attendees."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.catalog.tables import Ticket
from models.ticketing.tables import Attendee


class RosterRow(NamedTuple):
    first_name: str
    last_name: str
    checkin_secret: str
    ticket_name: str


def event_roster(session: Session, event_id: int, *, limit: int) -> list[RosterRow]:
    """Up to `limit` active (not cancelled) attendees of the event, in attendee order."""
    rows = session.execute(
        select(Attendee.first_name, Attendee.last_name, Attendee.checkin_secret, Ticket.name)
        .join(Ticket, Ticket.id == Attendee.ticket_id)
        .where(Attendee.event_id == event_id, Attendee.is_cancelled.is_(False))
        .order_by(Attendee.id)
        .limit(limit)
    ).all()
    return [RosterRow(*row) for row in rows]
