"""Where an event's badge rows come from: its attendees (the ticketing tables)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.badge_input import MAX_FIELD, MAX_ROWS
from models.errors import Invalid
from models.tables import Event, Ticket
from models.ticketing_tables import Attendee

POINTER = "/data/relationships/event"


def event_attendee_rows(session: Session, event: Event) -> list[dict[str, str]]:
    """One row per active (not cancelled) attendee of `event`, in attendee order: name,
    ticket name, event name and the attendee's check-in secret (the QR code). A snapshot:
    attendees added later are not on this badge. Invalid when there are none."""
    found = session.execute(
        select(Attendee.first_name, Attendee.last_name, Attendee.checkin_secret, Ticket.name)
        .join(Ticket, Ticket.id == Attendee.ticket_id)
        .where(Attendee.event_id == event.id, Attendee.is_cancelled.is_(False))
        .order_by(Attendee.id)
        .limit(MAX_ROWS + 1)
    ).all()
    if not found:
        raise Invalid(f"Event {event.id} has no attendees to make badges for",
                      code="no_attendees", pointer=POINTER)
    if len(found) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} badges per request", code="too_many_rows",
                      pointer=POINTER)
    return [{"name": f"{first} {last}".strip()[:MAX_FIELD], "line-2": ticket[:MAX_FIELD],
             "line-3": event.name[:MAX_FIELD], "secret": secret}
            for first, last, secret, ticket in found]
