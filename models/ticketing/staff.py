"""Event staff: users the owner named to check attendees in."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import can_manage, managed_event
from models.catalog.tables import Event
from models.core.db import Database
from models.core.errors import NotFound
from models.core.uow import UnitOfWork
from models.ticketing.tables import EventStaff

STAFF_ONLY = "Only the event's owner or an admin can manage its staff"


def can_check_in(s: Session, actor: User | None, event: Event) -> bool:
    """The event's owner, an admin, or staff the owner named."""
    if actor is None:
        return False
    return can_manage(actor, event) or s.get(EventStaff, (event.id, actor.id)) is not None


def add_staff(db: Database, actor: User, event_id: int, user_id: int) -> User:
    """Name `user_id` staff of the event (idempotent)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id, STAFF_ONLY)
        user = s.get(User, user_id)
        if user is None:
            raise NotFound(f"User {user_id} not found", pointer="/data/id")
        if s.get(EventStaff, (event_id, user_id)) is None:
            s.add(EventStaff(event_id=event_id, user_id=user_id))
        try:
            uow.commit()
        except IntegrityError:  # a concurrent request named them first: as asked
            s.rollback()
            user = s.get(User, user_id)  # the failed commit expired it
        return user


def remove_staff(db: Database, actor: User, event_id: int, user_id: int) -> None:
    with UnitOfWork(db) as uow:
        managed_event(uow.session, actor, event_id, STAFF_ONLY)
        uow.session.execute(delete(EventStaff).where(EventStaff.event_id == event_id,
                                                     EventStaff.user_id == user_id))
        uow.commit()


def list_staff(db: Database, actor: User, event_id: int) -> list[User]:
    with db.session() as s:
        managed_event(s, actor, event_id, STAFF_ONLY)
        return list(s.scalars(select(User).join(EventStaff, EventStaff.user_id == User.id)
                              .where(EventStaff.event_id == event_id).order_by(User.id)))
