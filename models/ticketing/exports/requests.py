"""Asking for an export, following it and reaching its file: only the event's owner,
admins and staff; an export is seen by the one who asked alone (others: not found)."""

from __future__ import annotations

from pathlib import Path

from contracts.exports import ExportRequested
from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.ticketing.exports.tables import EXPORT_FORMATS, EXPORT_KINDS, Export
from models.ticketing.staff import can_check_in


def _choice(value: object, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise Invalid(f"{name} must be one of {', '.join(allowed)}", code=f"invalid_{name}",
                      pointer=f"/data/attributes/{name}")
    return str(value)


def request_export(db: Database, actor: User, event_id: int, kind: object,
                   format_: object) -> Export:
    """Record an export of `kind` in `format_` and `export.requested` in one transaction.
    Invalid (422) for an unknown kind or format, NotFound for no event, Forbidden unless
    the actor is the event's owner, an admin or staff."""
    kind, format_ = _choice(kind, EXPORT_KINDS, "kind"), _choice(format_, EXPORT_FORMATS,
                                                                  "format")
    with UnitOfWork(db) as uow:
        if not can_check_in(uow.session, actor, load_event(uow.session, event_id)):
            raise Forbidden("Only the event's owner or staff can export its lists")
        export = Export(event_id=event_id, requested_by_id=actor.id, kind=kind,
                        format=format_, status="requested", created_at=utcnow())
        uow.session.add(export)
        uow.flush()
        uow.record(ExportRequested(export_id=export.id, event_id=event_id,
                                   requested_by_id=actor.id, kind=kind, format=format_,
                                   requested_at=export.created_at.isoformat()))
        uow.commit()
        return export


def get_export(db: Database, actor: User, export_id: int) -> Export:
    """The export, for the one who asked while they are still owner, admin or staff of
    its event. NotFound otherwise: export ids must not reveal others' work."""
    with db.session() as s:
        export = s.get(Export, export_id)
        if export is None or export.requested_by_id != actor.id or \
                not can_check_in(s, actor, load_event(s, export.event_id)):
            raise NotFound("Export not found")
        return export


def export_file(db: Database, actor: User, export_id: int) -> tuple[Export, Path]:
    """A done export and its written file (as `get_export` sees it). Conflict
    `export_not_ready` before it is done."""
    export = get_export(db, actor, export_id)
    if export.status != "done" or not export.file_path:
        raise Conflict(f"Export {export_id} is {export.status}, not done",
                       code="export_not_ready")
    path = Path(export.file_path)
    if not path.is_file():
        raise NotFound(f"The file of export {export_id} is gone from storage",
                       code="export_file_missing")
    return export, path
