"""Where an event's badge rows come from: its attendees (through ticketing's roster)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.badges.input import MAX_FIELD, MAX_ROWS
from models.catalog.tables import Event
from models.core.errors import Invalid
from models.ticketing.checkin.roster import event_roster

POINTER = "/data/relationships/event"
TICKETS = "/data/attributes/ticket-ids"


def _ticket_ids(value: Any) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or len(value) > 100 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in value):
        raise Invalid("ticket-ids must be a list of 1 to 100 ticket ids",
                      code="invalid_ticket_ids", pointer=TICKETS)
    return value


def event_attendee_rows(session: Session, event: Event,
                        ticket_ids: Any = None) -> list[dict[str, str]]:
    """One row per active (not cancelled) attendee of `event` (holding one of
    `ticket_ids` when given), in attendee order: name, first and last name, ticket name,
    event name and the attendee's check-in secret (the QR code). A snapshot: attendees
    added later are not on this badge. Invalid when there are none."""
    found = event_roster(session, event.id, limit=MAX_ROWS + 1,
                         ticket_ids=_ticket_ids(ticket_ids))
    if not found:
        raise Invalid(f"Event {event.id} has no attendees to make badges for",
                      code="no_attendees", pointer=POINTER)
    if len(found) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} badges per request", code="too_many_rows",
                      pointer=POINTER)
    return [{"name": f"{first} {last}".strip()[:MAX_FIELD], "first-name": first[:MAX_FIELD],
             "last-name": last[:MAX_FIELD], "line-2": ticket[:MAX_FIELD],
             "ticket": ticket[:MAX_FIELD], "line-3": event.name[:MAX_FIELD], "secret": secret}
            for first, last, secret, ticket in found]
