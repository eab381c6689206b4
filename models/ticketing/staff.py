"""Event staff: users who accepted the owner's invitation (models/ticketing/invitations.py)
to check attendees in."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import can_manage, load_event, managed_event
from models.catalog.tables import Event
from models.core.db import Database
from models.core.errors import Forbidden
from models.core.uow import UnitOfWork
from models.ticketing.tables import EventStaff, StaffInvitation

STAFF_ONLY = "Only the event's owner or an admin can manage its staff"


def can_check_in(s: Session, actor: User | None, event: Event) -> bool:
    """The event's owner, an admin, or staff the owner named."""
    if actor is None:
        return False
    return can_manage(actor, event) or s.get(EventStaff, (event.id, actor.id)) is not None


def door_event(s: Session, actor: User, event_id: int,
               refusal: str = "Only the event's owner or its staff can work its door") -> Event:
    """The event (NotFound) when `actor` may work its door (owner, admin or staff), else
    Forbidden(`refusal`)."""
    event = load_event(s, event_id)
    if not can_check_in(s, actor, event):
        raise Forbidden(refusal)
    return event


def remove_staff(db: Database, actor: User, event_id: int, user_id: int) -> None:
    """End a staff role (owner or admin), with the invitation that gave it: inviting the
    address again asks its holder again. Removing one who is not staff changes nothing."""
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id, STAFF_ONLY)
        s.execute(delete(EventStaff).where(EventStaff.event_id == event_id,
                                           EventStaff.user_id == user_id))
        s.execute(delete(StaffInvitation).where(
            StaffInvitation.event_id == event_id,
            StaffInvitation.email == select(User.email).where(User.id == user_id)
            .scalar_subquery()))
        uow.commit()


def list_staff(db: Database, actor: User, event_id: int) -> list[User]:
    with db.session() as s:
        managed_event(s, actor, event_id, STAFF_ONLY)
        return list(s.scalars(select(User).join(EventStaff, EventStaff.user_id == User.id)
                              .where(EventStaff.event_id == event_id).order_by(User.id)))
