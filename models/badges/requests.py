"""Badge requests: usage is taken, the badge recorded and `badge.requested` emitted in one
transaction; reads are for the badge's owner (or an admin)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.badges import BadgeRequested
from models.accounts.tables import User
from models.badges.designs import owned_template
from models.badges.images import check_images
from models.badges.input import ATTRS, check_glyphs, clean_rows, clean_template, parse_csv
from models.badges.sources import event_attendee_rows
from models.badges.tables import Badge
from models.badges.usage import take_usage
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.mail.intents import mail_of
from models.mail.tables import Mail


@dataclass(frozen=True)
class BadgeView:
    badge: Badge
    mail: Mail | None


def request_badges(db: Database, actor: User, *, rows: Any = None, csv: Any = None,
                   event_id: int | None = None, template: Any = None,
                   template_id: int | None = None, ticket_ids: Any = None) -> Badge:
    """Take one usage unit per badge, create the pending badge and record
    `badge.requested`, all in one transaction. Exactly one source: `rows`, `csv` or
    `event_id` (the event's owner or an admin only; `ticket_ids` keeps the attendees
    holding those tickets). Raises Invalid on bad input,
    Forbidden (`usage_exceeded`, the number left in the detail) when usage is short;
    on any error nothing changes. The design is `template_id` (a saved template the actor
    owns: NotFound otherwise) or the inline `template`, not both; a character no font
    covers is Invalid (`glyph_not_covered`) before any usage is taken."""
    if ticket_ids is not None and event_id is None:
        raise Invalid("ticket-ids filters an event's attendees: send relationships.event",
                      code="ticket_ids_need_event", pointer="/data/attributes/ticket-ids")
    given = [name for name, value in (("rows", rows), ("csv", csv), ("event", event_id))
             if value is not None]
    if len(given) != 1:
        raise Invalid("Send exactly one of attributes.rows, attributes.csv or "
                      "relationships.event", code="one_source_required", pointer="/data")
    if template_id is not None and template is not None:
        raise Invalid("Send attributes.template or relationships.template, not both",
                      code="one_template_required", pointer="/data/relationships/template")
    with UnitOfWork(db) as uow:
        if template_id is not None:
            clean_tpl = owned_template(uow.session, actor, template_id,
                                       admin_ok=False).template
        else:
            clean_tpl = clean_template(template)
            check_images(uow.session, actor.id, clean_tpl, f"{ATTRS}/template")
        if event_id is not None:
            event = managed_event(uow.session, actor, event_id,
                                  "Only the event's owner can make its badges",
                                  code="not_event_owner")
            snapshot = event_attendee_rows(uow.session, event, ticket_ids)
        else:
            snapshot = clean_rows(rows) if rows is not None else parse_csv(csv)
        check_glyphs(snapshot, clean_tpl)
        take_usage(uow.session, actor.id, len(snapshot))
        now = utcnow()
        badge = Badge(owner_id=actor.id, event_id=event_id, status="pending", progress=0,
                      rows=snapshot, template=clean_tpl, count=len(snapshot),
                      created_at=now, updated_at=now)
        uow.session.add(badge)
        uow.session.flush()
        uow.record(BadgeRequested(badge_id=badge.id, owner_id=actor.id, event_id=event_id,
                                  count=badge.count, requested_at=now.isoformat()))
        uow.commit()
        return badge


def get_badge(db: Database, actor: User, badge_id: int) -> BadgeView:
    """The badge and its mail record, for its owner or an admin."""
    with db.session() as session:
        badge = session.get(Badge, badge_id)
        if badge is None or (badge.owner_id != actor.id and not actor.is_admin):
            # Not found for others too: badge ids must not reveal other users' work.
            raise NotFound("Badge not found")
        return BadgeView(badge=badge, mail=mail_of(session, "badge", badge_id))


def badge_file(db: Database, actor: User, badge_id: int) -> Path:
    """The rendered PDF of a generated badge. Conflict (`badge_not_ready`) before that."""
    badge = get_badge(db, actor, badge_id).badge
    if badge.status != "generated" or not badge.file_path:
        raise Conflict(f"Badge {badge_id} is {badge.status}, not generated",
                       code="badge_not_ready")
    path = Path(badge.file_path)
    if not path.is_file():
        raise NotFound(f"The file of badge {badge_id} is gone from storage",
                       code="badge_file_missing")
    return path
