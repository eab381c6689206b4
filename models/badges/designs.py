"""Badge templates: saved designs owned by a user, optionally tied to an event they manage.
Reads and changes are for the owner (or an admin); others get NotFound."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.badges.images import check_images, image_files, template_image_ids
from models.badges.input import check_glyphs, clean_template
from models.badges.tables import BadgeTemplate
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Invalid, NotFound
from models.core.uow import UnitOfWork
from printing.images import ImageFile
from printing.preview import render_png

POINTER = "/data/attributes"


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
        raise Invalid("name must be 1 to 200 characters", code="invalid_name",
                      pointer=f"{POINTER}/name")
    return value.strip()


def _clean(session: Session, actor: User, raw: Any) -> dict[str, Any]:
    template = clean_template(raw, pointer=f"{POINTER}/template")
    check_images(session, actor.id, template, f"{POINTER}/template")
    return template


def owned_template(session: Session, actor: User, template_id: int, *,
                   admin_ok: bool = True) -> BadgeTemplate:
    """The template when `actor` owns it (or is an admin and `admin_ok`), else NotFound."""
    row = session.get(BadgeTemplate, template_id)
    if row is None or (row.owner_id != actor.id and not (admin_ok and actor.is_admin)):
        raise NotFound("Badge template not found", code="badge_template_not_found")
    return row


def create_badge_template(db: Database, actor: User, *, name: Any, template: Any,
                          event_id: int | None = None) -> BadgeTemplate:
    """Save a design. Invalid on a template the renderer cannot lay out (nothing saved);
    Forbidden when `event_id` is an event the actor does not manage."""
    with UnitOfWork(db) as uow:
        if event_id is not None:
            managed_event(uow.session, actor, event_id, code="not_event_owner")
        now = utcnow()
        row = BadgeTemplate(owner_id=actor.id, event_id=event_id, name=_name(name),
                            template=_clean(uow.session, actor, template), created_at=now,
                            updated_at=now)
        uow.session.add(row)
        uow.commit()
        return row


def update_badge_template(db: Database, actor: User, template_id: int, *,
                          name: Any = None, template: Any = None) -> BadgeTemplate:
    """Change a design's name or template (the new template replaces the old whole)."""
    with UnitOfWork(db) as uow:
        row = owned_template(uow.session, actor, template_id)
        if name is not None:
            row.name = _name(name)
        if template is not None:
            row.template = _clean(uow.session, actor, template)
        row.updated_at = utcnow()
        uow.commit()
        return row


def get_badge_template(db: Database, actor: User, template_id: int) -> BadgeTemplate:
    with db.session() as session:
        return owned_template(session, actor, template_id)


def list_badge_templates(db: Database, actor: User) -> list[BadgeTemplate]:
    with db.session() as session:
        return list(session.scalars(select(BadgeTemplate).where(
            BadgeTemplate.owner_id == actor.id).order_by(BadgeTemplate.id).limit(500)))


def delete_badge_template(db: Database, actor: User, template_id: int) -> None:
    with UnitOfWork(db) as uow:
        uow.session.delete(owned_template(uow.session, actor, template_id))
        uow.commit()


def preview_badge_template(db: Database, actor: User, template_id: int,
                           row: dict[str, str]) -> bytes:
    """One badge of the template for `row`, rasterised from the PDF the badges consumer
    would write (PNG bytes). Invalid when a character of `row` has no font."""
    with db.session() as session:
        saved = owned_template(session, actor, template_id)
        images = image_files(session, saved.owner_id, template_image_ids(saved.template))
        template = saved.template
    return preview_png(row, template, images)


def preview_inline_template(db: Database, actor: User, raw: Any,
                            row: dict[str, str]) -> bytes:
    """As preview_badge_template, for a template not saved yet (the designer page)."""
    template = clean_template(raw, pointer="/template")
    with db.session() as session:
        images = check_images(session, actor.id, template, "/template")
    return preview_png(row, template, images)


def preview_png(row: dict[str, str], template: dict[str, Any],
                images: dict[int, ImageFile]) -> bytes:
    check_glyphs([row], template, pointer="/row")
    return render_png(row, template, images=images)
