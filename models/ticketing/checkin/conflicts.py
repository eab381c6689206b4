"""The conflicts offline desks left (models/ticketing/checkin/offline.py), as the door
page and /ops show them: who, what, and both devices and times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.accounts.tables import User
from models.core.db import Database
from models.core.errors import Forbidden
from models.ticketing.checkin.list_tables import CheckInConflict
from models.ticketing.staff import door_event
from models.ticketing.tables import Attendee, CheckInScan

SHOWN = 50


@dataclass(frozen=True)
class ConflictView:
    id: int
    event_id: int
    attendee_id: int
    name: str
    kind: str  # double_entry, refused_after_admitted
    reason: str | None
    device_name: str | None
    scanned_at: datetime
    other_device: str | None  # double_entry: the other desk's scan
    other_at: datetime | None


def _conflicts(s: Session, *where) -> list[ConflictView]:
    other = aliased(CheckInScan)
    rows = s.execute(
        select(CheckInConflict, Attendee.first_name, Attendee.last_name, other.device_name,
               other.at)
        .join(Attendee, Attendee.id == CheckInConflict.attendee_id)
        .outerjoin(other, other.id == CheckInConflict.other_scan_id)
        .where(*where).order_by(CheckInConflict.id.desc()).limit(SHOWN)).all()
    return [ConflictView(c.id, c.event_id, c.attendee_id, f"{first} {last}", c.kind,
                         c.reason, c.device_name, c.scanned_at, device, at)
            for c, first, last, device, at in rows]


def event_conflicts(db: Database, actor: User, event_id: int) -> list[ConflictView]:
    """The event's latest SHOWN conflicts, newest first (owner, admins, staff)."""
    with db.session() as s:
        door_event(s, actor, event_id)
        return _conflicts(s, CheckInConflict.event_id == event_id)


def recent_conflicts(db: Database, actor: User) -> list[ConflictView]:
    """Every event's latest SHOWN conflicts, for operators (admins only)."""
    if not actor.is_admin:
        raise Forbidden("Only admins can see every event's conflicts", code="admin_only")
    with db.session() as s:
        return _conflicts(s)
