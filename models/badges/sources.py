"""Where an event's badge rows come from: its attendees (through ticketing's roster)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.badges.input import MAX_FIELD, MAX_ROWS
from models.catalog.tables import Event
from models.core.errors import Invalid
from models.ticketing.checkin.roster import event_roster

POINTER = "/data/relationships/event"


def event_attendee_rows(session: Session, event: Event) -> list[dict[str, str]]:
    """One row per active (not cancelled) attendee of `event`, in attendee order: name,
    ticket name, event name and the attendee's check-in secret (the QR code). A snapshot:
    attendees added later are not on this badge. Invalid when there are none."""
    found = event_roster(session, event.id, limit=MAX_ROWS + 1)
    if not found:
        raise Invalid(f"Event {event.id} has no attendees to make badges for",
                      code="no_attendees", pointer=POINTER)
    if len(found) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} badges per request", code="too_many_rows",
                      pointer=POINTER)
    return [{"name": f"{first} {last}".strip()[:MAX_FIELD], "line-2": ticket[:MAX_FIELD],
             "line-3": event.name[:MAX_FIELD], "secret": secret}
            for first, last, secret, ticket in found]
