"""Drive consumer handlers the way the runtime does: deliveries built from the outbox rows
the services recorded, `handle(uow, deliveries)` in one transaction, then commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bus.consume import Delivery
from consumers.tracking import claim_new
from models.core.uow import UnitOfWork
from tests.support.outbox import outbox_rows


def recorded(db, routing_key: str | None = None) -> list[Delivery]:
    """One delivery per outbox row (with `routing_key` when given), oldest first."""
    out = []
    for row in outbox_rows(db, routing_key):
        env = json.loads(row.payload)
        out.append(Delivery(message_id=row.message_id, routing_key=row.routing_key,
                            type=env["type"], data=env["data"], envelope=env, headers={},
                            attempt=1, redelivered=False))
    return out


def routed_to(db, consumer: str) -> list[Delivery]:
    """`recorded`, but only what the broker routes to `consumer`'s queue (its bindings in
    contracts.topology)."""
    from contracts.topology import QUEUES, matches

    return [d for d in recorded(db)
            if any(matches(p, d.routing_key) for p in QUEUES[consumer])]


def handle(db, handler: Callable[[UnitOfWork, list], Any], deliveries: list,
           *, commit: bool = True, consumer: str | None = "test") -> None:
    """Run `handler` in one transaction after the runtime's tracking rows (so, as in
    production, the transaction holds a write before the handler starts, and a message
    seen before is filtered out); `consumer=None` skips tracking. `commit=False` is a
    consumer that died before its commit (and so before its ack)."""
    with UnitOfWork(db) as uow:
        fresh = deliveries if consumer is None else claim_new(uow, consumer, deliveries)
        if fresh:
            handler(uow, fresh)
        if commit:
            uow.commit()


def give_up(db, on_give_up: Callable, delivery, reason: str) -> None:
    with UnitOfWork(db) as uow:
        on_give_up(uow, delivery, reason)
        uow.commit()
