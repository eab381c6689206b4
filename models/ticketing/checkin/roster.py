"""An event's roster: the one way other domains (badges) read its attendees."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.catalog.tables import Event, Ticket
from models.core.errors import Forbidden, NotFound
from models.ticketing.staff import can_check_in
from models.ticketing.tables import Attendee


class RosterRow(NamedTuple):
    first_name: str
    last_name: str
    checkin_secret: str
    ticket_name: str


def event_roster(session: Session, event_id: int, *, limit: int,
                 ticket_ids: list[int] | None = None) -> list[RosterRow]:
    """Up to `limit` active (not cancelled) attendees of the event, in attendee order;
    only those holding one of `ticket_ids` when given."""
    query = (
        select(Attendee.first_name, Attendee.last_name, Attendee.checkin_secret, Ticket.name)
        .join(Ticket, Ticket.id == Attendee.ticket_id)
        .where(Attendee.event_id == event_id, Attendee.is_cancelled.is_(False))
        .order_by(Attendee.id)
        .limit(limit))
    if ticket_ids is not None:
        query = query.where(Attendee.ticket_id.in_(ticket_ids))
    rows = session.execute(query).all()
    return [RosterRow(*row) for row in rows]


def door_attendee(session: Session, actor: User, event_id: int,
                  attendee_id: int) -> tuple[Event, RosterRow]:
    """One active attendee of the event with the event, for those who may work its door
    (its owner, an admin, its staff: else Forbidden); NotFound for an attendee not of it."""
    event = load_event(session, event_id)
    if not can_check_in(session, actor, event):
        raise Forbidden("Only the event's owner or its staff can work its door")
    row = session.execute(
        select(Attendee.first_name, Attendee.last_name, Attendee.checkin_secret, Ticket.name)
        .join(Ticket, Ticket.id == Attendee.ticket_id)
        .where(Attendee.id == attendee_id, Attendee.event_id == event_id,
               Attendee.is_cancelled.is_(False))).one_or_none()
    if row is None:
        raise NotFound("Attendee not found at this event", code="attendee_not_found")
    return event, RosterRow(*row)
