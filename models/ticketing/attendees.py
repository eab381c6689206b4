"""Attendees as clients see them: the Open Event CSV attributes derived from scan rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.db import Database
from models.core.errors import Forbidden, NotFound
from models.core.queries import Page, Refine, paginate, refined
from models.ticketing.staff import can_check_in
from models.ticketing.tables import Attendee, CheckInScan, Order

ATTENDEE_NOT_FOUND = "Attendee not found"


class Scan(NamedTuple):
    """One check-in scan as views need it (rows of `SCAN_COLUMNS`)."""

    id: int
    kind: str
    at: datetime
    device_name: str | None
    nonce: str


SCANS = CheckInScan.__table__
SCAN_COLUMNS = (SCANS.c.id, SCANS.c.kind, SCANS.c.at, SCANS.c.device_name, SCANS.c.nonce)


@dataclass
class AttendeeView:
    attendee: Attendee
    scans: list[Scan] = field(default_factory=list)  # in (at, id) order

    @property
    def entry_times(self) -> list[datetime]:
        return [sc.at for sc in self.scans if sc.kind == "entry"]

    @property
    def checkin_times(self) -> str | None:
        return ",".join(t.isoformat() for t in self.entry_times) or None

    @property
    def device_name_checkin(self) -> str | None:
        names = [sc.device_name or "-" for sc in self.scans if sc.kind == "entry"]
        return ",".join(names) or None

    @property
    def checkout_times(self) -> str | None:
        return ",".join(sc.at.isoformat() for sc in self.scans if sc.kind == "exit") or None


def views_of(s: Session, attendees: list[Attendee]) -> list[AttendeeView]:
    """Views of `attendees` with their scans, in one query."""
    by_attendee: dict[int, list[Scan]] = defaultdict(list)
    ids = [a.id for a in attendees]
    if ids:
        for row in s.execute(select(SCANS.c.attendee_id, *SCAN_COLUMNS)
                             .where(SCANS.c.attendee_id.in_(ids))
                             .order_by(SCANS.c.at, SCANS.c.id)):
            by_attendee[row.attendee_id].append(Scan._make(row[1:]))
    return [AttendeeView(a, by_attendee[a.id]) for a in attendees]


def attendees_by_ids(db: Database, ids: list[int]) -> list[AttendeeView]:
    """The attendees among `ids` with their scans, in two queries (included next to a
    resource already shown, such as their order)."""
    with db.session() as s:
        return views_of(s, list(s.scalars(select(Attendee).where(Attendee.id.in_(ids))
                                          .order_by(Attendee.id))))


def view_of(s: Session, attendee: Attendee) -> AttendeeView:
    return views_of(s, [attendee])[0]


def get_attendee(db: Database, actor: User, attendee_id: int) -> AttendeeView:
    """An attendee for its buyer, the event's owner or staff, admins; NotFound for anyone
    else, the same answer as for an attendee that does not exist."""
    with db.session() as s:
        attendee = s.get(Attendee, attendee_id)
        if attendee is None:
            raise NotFound(ATTENDEE_NOT_FOUND)
        buyer = s.scalar(select(Order.user_id).where(Order.id == attendee.order_id))
        if buyer != actor.id and not can_check_in(s, actor, load_event(s, attendee.event_id)):
            raise NotFound(ATTENDEE_NOT_FOUND)  # as if it did not exist: ids tell nothing
        return view_of(s, attendee)


def list_event_attendees(db: Database, actor: User, event_id: int, checked_in: bool | None,
                         number: int, size: int, refine: Refine | None = None
                         ) -> Page[AttendeeView]:
    """The event's attendees (owner, admins, staff), optionally by checked-in state."""
    with db.session() as s:
        event = load_event(s, event_id)
        if not can_check_in(s, actor, event):  # the owner, an admin or staff
            raise Forbidden("Only the event's owner or staff can list its attendees")
        stmt = select(Attendee).where(Attendee.event_id == event_id).order_by(Attendee.id)
        if checked_in is not None:
            stmt = stmt.where(Attendee.is_checked_in.is_(checked_in))
        page = paginate(s, refined(stmt, refine), number, size)
        return Page(items=views_of(s, page.items), total=page.total, number=page.number,
                    size=page.size)
