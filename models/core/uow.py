"""Unit of work: one transaction holding a state change and the events it records."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from contracts.envelope import DomainEvent, dumps, envelope
from models.core.base import utcnow
from models.core.db import Database
from models.core.outbox import OutboxMessage

OUTBOX = OutboxMessage.__table__


def outbox_row(event: DomainEvent) -> dict[str, Any]:
    """The outbox row of `event`: for `UnitOfWork.record`, or for a statement that writes
    it together with the change (the door's one-statement write)."""
    message_id = str(uuid.uuid4())
    now = utcnow()
    return {"message_id": message_id, "routing_key": event.key(), "type": event.event_type(),
            "aggregate": event.subject, "attempts": 0, "created_at": now,
            "quarantined_at": None,  # the door's statement writes every column but two
            "payload": dumps(envelope(event, message_id=message_id, time=now))}


def record_on(conn: Connection, event: DomainEvent) -> str:
    """`UnitOfWork.record` for Core code holding a connection in a transaction (the door:
    no ORM session at all). Returns the message id."""
    row = outbox_row(event)
    conn.execute(insert(OUTBOX), row)
    return row["message_id"]


class UnitOfWork:
    """`with UnitOfWork(db) as uow:` ... `uow.commit()`. Leaving without commit rolls
    back everything, the outbox rows included."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: Session
        self._outbox: list[dict[str, Any]] = []  # recorded, written by commit()

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.session()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back what was not committed without expiring what was loaded:
        # the objects a service returns stay readable after the block
        self.session.close()

    def record(self, event: DomainEvent) -> str:
        """Add `event` to this transaction's outbox rows; flush() or commit() writes them
        all in one INSERT (no ORM flush, and one round trip however many events a
        transaction records). They are published only if and after the transaction
        commits. Returns the message id."""
        row = outbox_row(event)
        self._outbox.append(row)
        return row["message_id"]

    def flush(self) -> None:
        """Send the recorded events and the session's pending changes to the database,
        inside the transaction."""
        rows, self._outbox = self._outbox, []
        if rows:
            self.session.connection().execute(insert(OUTBOX), rows[0] if len(rows) == 1
                                              else rows)
        self.session.flush()

    def commit(self) -> None:
        """Write the recorded events and commit them with the change. On PostgreSQL a
        trigger on `outbox` sends NOTIFY, delivered on commit only, which wakes the relay
        at once."""
        self.flush()
        self.session.commit()
