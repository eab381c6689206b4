"""Reading what the services recorded in the outbox, and counting rows."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from models.core.outbox import OutboxMessage


def outbox_rows(db, routing_key: str | None = None) -> list[OutboxMessage]:
    """The outbox rows (those with `routing_key` when given), oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if routing_key is not None:
        query = query.where(OutboxMessage.routing_key == routing_key)
    with db.session() as s:
        return list(s.scalars(query))


def outbox_data(db, routing_key: str) -> list[dict]:
    """The `data` of every recorded event with `routing_key`, oldest first."""
    return [json.loads(row.payload)["data"] for row in outbox_rows(db, routing_key)]


def unpublished(db) -> int:
    """How many outbox rows the relay has not marked published yet."""
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.published_at.is_(None)))


def count(db, table) -> int:
    """Rows in `table` (a mapped class)."""
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table))
