"""An event's check-in lists: made and read by its owner, read and scanned on by its
staff. The default list (migration 1500 gave every event one; an event made since gets it
on first use) admits as the door always did and keeps those rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import managed_event
from models.catalog.tables import Ticket
from models.core.db import Database
from models.core.errors import Conflict, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.ticketing.checkin.list_tables import CheckInList, CheckInListTicket
from models.ticketing.checkin.rules import ListRules
from models.ticketing.staff import door_event
from models.ticketing.tables import Attendee

DEFAULT_NAME = "Default"
LIST_FIELDS = ("name", "allow_re_entry", "entry_after_exit", "admits_pending", "valid_from",
               "valid_until")
OWNER_ONLY = "Only the event's owner or an admin can change its check-in lists"


@dataclass(frozen=True)
class ListView:
    row: CheckInList
    ticket_ids: list[int] | None  # None: all

    @property
    def rules(self) -> ListRules:
        r = self.row
        return ListRules(r.id, r.name, None if self.ticket_ids is None
                         else frozenset(self.ticket_ids), r.allow_re_entry,
                         r.entry_after_exit, r.admits_pending, r.valid_from, r.valid_until,
                         r.event_id)


def _view(s: Session, row: CheckInList) -> ListView:
    if row.all_tickets:
        return ListView(row, None)
    return ListView(row, list(s.scalars(select(CheckInListTicket.ticket_id).where(
        CheckInListTicket.list_id == row.id).order_by(CheckInListTicket.ticket_id))))


def _ensure_default(db: Database, event_id: int) -> None:
    with db.session() as s:
        if s.scalar(select(CheckInList.id).where(CheckInList.event_id == event_id,
                                                 CheckInList.is_default)) is not None:
            return
        s.add(CheckInList(event_id=event_id, name=DEFAULT_NAME, is_default=True))
        try:
            s.commit()
        except IntegrityError:  # another request made it first
            s.rollback()


def check_in_lists(db: Database, actor: User, event_id: int) -> list[ListView]:
    """The event's lists, the default first (owner, admins and staff; Forbidden, NotFound)."""
    with db.session() as s:
        door_event(s, actor, event_id)
    _ensure_default(db, event_id)
    with db.session() as s:
        rows = s.scalars(select(CheckInList).where(CheckInList.event_id == event_id)
                         .order_by(CheckInList.is_default.desc(), CheckInList.id))
        return [_view(s, r) for r in rows]


def load_list(s: Session, event_id: int, list_id: int) -> ListView:
    row = s.scalar(select(CheckInList).where(CheckInList.id == list_id,
                                             CheckInList.event_id == event_id))
    if row is None:
        raise NotFound(f"Check-in list {list_id} is not a list of event {event_id}",
                       code="unknown_list")
    return _view(s, row)


def get_check_in_list(db: Database, actor: User, event_id: int, list_id: int) -> ListView:
    with db.session() as s:
        door_event(s, actor, event_id)
        return load_list(s, event_id, list_id)


def _check(s: Session, event_id: int, row: CheckInList, ticket_ids: list[int] | None) -> None:
    if row.valid_from and row.valid_until and row.valid_from >= row.valid_until:
        raise Invalid("valid-until must be after valid-from", code="window_reversed",
                      pointer="/data/attributes/valid-until")
    if ticket_ids is not None:
        known = set(s.scalars(select(Ticket.id).where(Ticket.id.in_(ticket_ids),
                                                      Ticket.event_id == event_id)))
        if not ticket_ids or known != set(ticket_ids):
            raise Invalid("ticket-ids must name one or more tickets of this event",
                          code="unknown_ticket", pointer="/data/attributes/ticket-ids")
    taken = s.scalar(select(CheckInList.id).where(CheckInList.event_id == event_id,
                                                  CheckInList.name == row.name,
                                                  CheckInList.id != (row.id or 0)))
    if taken is not None:
        raise Conflict(f"The event already has a list named {row.name!r}",
                       code="list_name_taken", pointer="/data/attributes/name")


def _save(uow: UnitOfWork, row: CheckInList, ticket_ids: list[int] | None) -> None:
    s = uow.session
    row.all_tickets = ticket_ids is None
    s.add(row)
    s.flush()
    s.query(CheckInListTicket).filter(CheckInListTicket.list_id == row.id).delete()
    s.add_all(CheckInListTicket(list_id=row.id, ticket_id=t) for t in set(ticket_ids or ()))
    uow.commit()


def create_check_in_list(db: Database, actor: User, event_id: int,
                         fields: dict[str, Any]) -> ListView:
    """A new list (owner or admin). `ticket_ids` None: every ticket. Invalid on tickets
    of another event or a reversed window, Conflict `list_name_taken`; nothing is made
    on any error."""
    with UnitOfWork(db) as uow:
        managed_event(uow.session, actor, event_id, OWNER_ONLY)
        row = CheckInList(event_id=event_id, **{k: fields.get(k) for k in LIST_FIELDS
                                                if fields.get(k) is not None})
        ticket_ids = fields.get("ticket_ids")
        _check(uow.session, event_id, row, ticket_ids)
        _save(uow, row, ticket_ids)
        return _view(uow.session, row)


def update_check_in_list(db: Database, actor: User, event_id: int, list_id: int,
                         fields: dict[str, Any]) -> ListView:
    """Change a list (owner or admin): the rules named in `fields`, and its tickets when
    `ticket_ids` is given (None: all). The default list keeps today's rules: only its
    name changes (Conflict `default_list_rules`). Desks resync on their next sync."""
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id, OWNER_ONLY)
        view = load_list(s, event_id, list_id)
        row = s.get(CheckInList, view.row.id, with_for_update=True)
        if row.is_default and set(fields) - {"name"}:
            raise Conflict("The default list admits every ticket as the door always did: "
                           "make another list for other rules", code="default_list_rules")
        for k in LIST_FIELDS:
            if k in fields:
                setattr(row, k, fields[k])
        ticket_ids = fields["ticket_ids"] if "ticket_ids" in fields else view.ticket_ids
        _check(s, event_id, row, ticket_ids)
        row.revision += 1
        _save(uow, row, ticket_ids)
        return _view(s, row)


@dataclass(frozen=True)
class ListStatus:
    total: int  # active attendees the list admits
    checked_in: int  # of them, ever scanned in
    inside: int
    by_ticket: list[tuple[int, str, int, int, int]]  # ticket id, name, total, checked in, inside


def list_status(db: Database, actor: User, event_id: int, list_id: int) -> ListStatus:
    """Counters of the attendees the list admits, read from the attendees themselves (the
    door needs them exact at once)."""
    active = Attendee.is_cancelled.is_(False)
    inside = Attendee.is_checked_in.is_(True) & Attendee.is_checked_out.is_(False)
    with db.session() as s:
        door_event(s, actor, event_id)
        view = load_list(s, event_id, list_id)
        query = select(Ticket.id, Ticket.name, func.count(Attendee.id).filter(active),
                       func.count(Attendee.id).filter(active & Attendee.is_checked_in),
                       func.count(Attendee.id).filter(active & inside)) \
            .join(Attendee, Attendee.ticket_id == Ticket.id) \
            .where(Attendee.event_id == event_id).group_by(Ticket.id, Ticket.name) \
            .order_by(Ticket.id)
        if view.ticket_ids is not None:
            query = query.where(Ticket.id.in_(view.ticket_ids))
        rows = [tuple(r) for r in s.execute(query)]
    return ListStatus(sum(r[2] for r in rows), sum(r[3] for r in rows),
                      sum(r[4] for r in rows), rows)


def rules_for(db: Database, event_id: int | None, list_id: int | None) -> ListRules | None:
    """The rules a scan on `list_id` is judged by (NotFound `unknown_list` unless it is a
    list of `event_id`; any event's when None: the scan then checks the attendee is of
    the list's event); None for the default list, or none named: the service's own
    checks are that list."""
    if list_id is None:
        return None
    with db.session() as s:
        row = s.get(CheckInList, list_id)
        if row is None or event_id not in (None, row.event_id):
            raise NotFound(f"Check-in list {list_id} not found", code="unknown_list")
        view = _view(s, row)
    return None if view.row.is_default else view.rules

