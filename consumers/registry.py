"""Every consumer the system runs: its name, bindings (from producers.topology) and handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consumers.runtime import Delivery
from models.uow import UnitOfWork
from producers.topology import QUEUES

Handler = Callable[[UnitOfWork, list[Delivery]], None]
GiveUp = Callable[[UnitOfWork, Delivery, str], None]


@dataclass(frozen=True)
class Consumer:
    """`handle(uow, deliveries)` applies the effect of new (never seen) deliveries inside
    the runtime's transaction; `on_give_up` runs in its own transaction after the last
    retry (mark failed, give usage back...)."""

    name: str
    handle: Handler
    max_batch: int = 200  # with prefetch 300 the next batch is partly buffered meanwhile
    on_give_up: GiveUp | None = None

    @property
    def bindings(self) -> tuple[str, ...]:
        return QUEUES[self.name]


def consumers() -> dict[str, Consumer]:
    """Name -> Consumer. Imported lazily so that each process loads only what it runs."""
    from consumers import badges, mail, ratings, speakers, stats

    found = [ratings.CONSUMER, speakers.CONSUMER, stats.CONSUMER, badges.CONSUMER,
             mail.CONSUMER]
    return {c.name: c for c in found}
