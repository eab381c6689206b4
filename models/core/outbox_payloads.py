"""The bodies of events the relay published, looked up by message id: the outbox keeps
each one exactly as it went to the broker (the operator page shows dead letters' payloads
from here, since a dead letter's listing carries no body)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.outbox import OutboxMessage


def outbox_payloads(session: Session, message_ids: Iterable[str]) -> dict[str, str]:
    """Message id -> payload of the outbox rows among `message_ids`; ids the outbox does
    not hold (messages a device published, rows pruned) are simply absent."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    rows = session.execute(select(OutboxMessage.message_id, OutboxMessage.payload)
                           .where(OutboxMessage.message_id.in_(ids)))
    return {message_id: payload for message_id, payload in rows}
