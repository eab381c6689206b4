"""Producing rating events through the service layer and checking the aggregates."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models.accounts.tables import User
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.catalog import feedback
from models.catalog.tables import Event, Feedback
from models.core.outbox import OutboxMessage, ProcessedMessage


class RatingWorkload:
    """Users rating events, changing and deleting their ratings: each call one event."""

    def __init__(self, db, events: int = 3, users: int = 20, seed: int = 7) -> None:
        self.db = db
        self.rng = random.Random(seed)
        # made by an operator (verified): the outbox then holds rating events only
        owner = create_user(db, "owner@example.com", "password123", verified=True)
        now = datetime.now(UTC)
        self.events = [catalog.create_event(db, owner, {"name": f"E{i}", "starts_at": now,
                                                        "ends_at": now}).id
                       for i in range(events)]
        with db.session() as s:
            s.add_all(User(email=f"u{i}@example.com", password_hash="x") for i in range(users))
            s.commit()
            self.users = list(s.scalars(select(User).where(User.email.like("u%"))))
        self.given: dict[tuple[int, int], int] = {}  # (user id, event id) -> feedback id

    def step(self) -> None:
        """One random change; a change the database refused (it was down) changed nothing
        and is simply not counted, as a client would retry it."""
        try:
            self._step()
        except OperationalError:
            pass

    def _step(self) -> None:
        user = self.rng.choice(self.users)
        event_id = self.rng.choice(self.events)
        fid = self.given.get((user.id, event_id))
        if fid is None:
            fb = feedback.create_feedback(self.db, user, event_id, self.rng.randint(0, 5))
            self.given[(user.id, event_id)] = fb.id
        elif self.rng.random() < 0.7:
            feedback.update_feedback(self.db, user, fid, rating=self.rng.randint(0, 5))
        else:
            feedback.delete_feedback(self.db, user, fid)
            del self.given[(user.id, event_id)]


def _average(total: int, n: int) -> float:
    # the database rounds half away from zero; Python's round() on floats may not
    return float((Decimal(total) / Decimal(n)).quantize(Decimal("0.001"), ROUND_HALF_UP))


def truth(db) -> dict[int, tuple[float | None, int]]:
    """Event id -> (average, count) computed from the feedbacks themselves."""
    with db.session() as s:
        rows = {r.event_id: (_average(r.total, r.n), r.n) for r in s.execute(
            select(Feedback.event_id, func.sum(Feedback.rating).label("total"),
                   func.count().label("n")).group_by(Feedback.event_id))}
        return {e: rows.get(e, (None, 0)) for e in s.scalars(select(Event.id))}


def aggregates(db) -> dict[int, tuple[float | None, int]]:
    with db.session() as s:
        return {e.id: (e.average_rating, e.rating_count) for e in s.scalars(select(Event))}


def counts(db, consumer: str = "ratings") -> tuple[int, int, int]:
    """(outbox rows, published rows, tracking rows of `consumer`)."""
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(OutboxMessage))
        published = s.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.published_at.is_not(None)))
        processed = s.scalar(select(func.count()).select_from(ProcessedMessage)
                             .where(ProcessedMessage.consumer == consumer))
        return total, published, processed


def all_applied(db) -> bool:
    total, published, processed = counts(db)
    return total == published == processed and aggregates(db) == truth(db)
