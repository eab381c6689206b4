"""Unit of work: one transaction holding a state change and the events it records."""

from __future__ import annotations

import uuid
from types import TracebackType

from sqlalchemy.orm import Session

from models.base import utcnow
from models.contracts import DomainEvent, dumps, envelope
from models.db import Database
from models.outbox import OutboxMessage


class UnitOfWork:
    """`with UnitOfWork(db) as uow:` ... `uow.commit()`. Leaving without commit rolls
    back everything, the outbox rows included."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.session()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def record(self, event: DomainEvent) -> OutboxMessage:
        """Add `event` to the outbox in this transaction; it is published only if and
        after the transaction commits."""
        message_id = str(uuid.uuid4())
        now = utcnow()
        row = OutboxMessage(
            message_id=message_id,
            routing_key=event.key(),
            type=event.event_type(),
            aggregate=event.subject,
            payload=dumps(envelope(event, message_id=message_id, time=now)),
            created_at=now,
        )
        self.session.add(row)
        return row

    def commit(self) -> None:
        """Commit the change and its events. On PostgreSQL a trigger on `outbox` sends
        NOTIFY, delivered on commit only, which wakes the relay at once."""
        self.session.commit()
