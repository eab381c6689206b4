"""Print at the door: one checked-in attendee's badge, from the newest template tied to
the event (else the default design), as a one-badge PDF for the desk's print dialog. It
carries the attendee's check-in code, the same code as the ticket (one code, one proof)."""

from __future__ import annotations

from sqlalchemy import select

from models.accounts.tables import User
from models.badges.images import image_files, template_image_ids
from models.badges.input import MAX_FIELD, clean_template
from models.badges.tables import BadgeTemplate
from models.core.db import Database
from models.ticketing.checkin.roster import door_attendee
from printing.render import render_one

DOOR_DEFAULT = {"badge-size": "4x3in", "margin-mm": 0}


def print_door_badge(db: Database, actor: User, event_id: int, attendee_id: int) -> bytes:
    """The PDF bytes. Forbidden for anyone who may not work the event's door, NotFound
    for an attendee not of the event (or cancelled). No usage is taken: the organiser's
    badges for attendees who came are part of the event, not a batch request."""
    with db.session() as session:
        event, person = door_attendee(session, actor, event_id, attendee_id)
        saved = session.scalar(select(BadgeTemplate).where(BadgeTemplate.event_id == event_id)
                               .order_by(BadgeTemplate.updated_at.desc(),
                                         BadgeTemplate.id.desc()).limit(1))
        template = saved.template if saved else clean_template(DOOR_DEFAULT)
        images = image_files(session, saved.owner_id, template_image_ids(template)) \
            if saved else {}
    row = {"name": f"{person.first_name} {person.last_name}".strip()[:MAX_FIELD],
           "first-name": person.first_name[:MAX_FIELD],
           "last-name": person.last_name[:MAX_FIELD], "line-2": person.ticket_name[:MAX_FIELD],
           "ticket": person.ticket_name[:MAX_FIELD], "line-3": event.name[:MAX_FIELD],
           "secret": person.checkin_secret}
    return render_one(row, template, images=images)
