"""Where an event's badge rows come from: its attendees (the ticketing tables)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.errors import Invalid
from models.tables import Event


def event_attendee_rows(session: Session, event: Event) -> list[dict[str, str]]:
    """One row per attendee of `event`: name, ticket type, event name and the attendee's
    check-in secret (the QR code). Invalid when the event has no attendees."""
    # The attendees table comes with the ticketing work (issue 4); until it is merged,
    # badges for an event cannot be made and the request is refused, nothing taken.
    raise Invalid("Badges for an event's attendees are not available yet; send "
                  "attributes.rows or attributes.csv", code="attendees_not_available",
                  pointer="/data/relationships/event")
