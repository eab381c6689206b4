"""Feedback on events. Every create, update and delete records `rating.changed` in the
same transaction; the ratings consumer keeps the event's average from those events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contracts.ratings import RatingChanged
from models.accounts.tables import User
from models.catalog.events import load_event
from models.catalog.tables import Feedback
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.queries import Page, Refine, paginate, refined
from models.core.uow import UnitOfWork

DUPLICATE = "You have already given feedback for this event"


def _check_rating(rating: int) -> None:
    if not 0 <= rating <= 5:
        raise Invalid("rating must be between 0 and 5", code="rating_range",
                      pointer="/data/attributes/rating")


def _changed(fb: Feedback, change: str, rating: int | None, previous: int | None):
    return RatingChanged(event_id=fb.event_id, feedback_id=fb.id, user_id=fb.user_id,
                         change=change, rating=rating, previous_rating=previous,
                         changed_at=utcnow().isoformat())


def create_feedback(db: Database, actor: User, event_id: int, rating: int,
                    comment: str | None = None) -> Feedback:
    """One feedback per user and event (Conflict on a second)."""
    _check_rating(rating)
    with UnitOfWork(db) as uow:
        load_event(uow.session, event_id)
        if uow.session.scalar(select(Feedback.id).where(Feedback.event_id == event_id,
                                                        Feedback.user_id == actor.id)):
            raise Conflict(DUPLICATE, code="duplicate_feedback")
        fb = Feedback(event_id=event_id, user_id=actor.id, rating=rating, comment=comment)
        uow.session.add(fb)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Conflict(DUPLICATE, code="duplicate_feedback") from exc
        uow.record(_changed(fb, "created", rating, None))
        uow.commit()
        return fb


def _own_feedback(uow: UnitOfWork, actor: User, feedback_id: int) -> Feedback:
    fb = uow.session.scalar(select(Feedback).where(Feedback.id == feedback_id).with_for_update())
    if fb is None:
        raise NotFound(f"Feedback {feedback_id} not found")
    if fb.user_id != actor.id and not actor.is_admin:
        raise Forbidden("Only its author can change a feedback")
    return fb


def update_feedback(db: Database, actor: User, feedback_id: int, rating: int | None = None,
                    comment: str | None = None) -> Feedback:
    with UnitOfWork(db) as uow:
        fb = _own_feedback(uow, actor, feedback_id)
        previous = fb.rating
        if rating is not None:
            _check_rating(rating)
            fb.rating = rating
        if comment is not None:
            fb.comment = comment
        fb.updated_at = utcnow()
        uow.session.flush()
        uow.record(_changed(fb, "updated", fb.rating, previous))
        uow.commit()
        return fb


def delete_feedback(db: Database, actor: User, feedback_id: int) -> None:
    with UnitOfWork(db) as uow:
        fb = _own_feedback(uow, actor, feedback_id)
        uow.record(_changed(fb, "deleted", None, fb.rating))
        uow.session.delete(fb)
        uow.commit()


def get_feedback(db: Database, feedback_id: int) -> Feedback:
    with db.session() as session:
        fb = session.get(Feedback, feedback_id)
    if fb is None:
        raise NotFound(f"Feedback {feedback_id} not found")
    return fb


def list_feedbacks(db: Database, event_id: int | None, number: int, size: int,
                   refine: Refine | None = None) -> Page[Feedback]:
    with db.session() as session:
        stmt = select(Feedback).order_by(Feedback.id)
        if event_id is not None:
            stmt = stmt.where(Feedback.event_id == event_id)
        return paginate(session, refined(stmt, refine), number, size)
