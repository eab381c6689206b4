"""Every consumer the system runs: its name, bindings (from contracts.topology) and handler."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from bus.consume import Delivery
from contracts.topology import QUEUES
from models.core.uow import UnitOfWork

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
    max_body: int | None = None  # larger bodies are dead-lettered unread

    @property
    def bindings(self) -> tuple[str, ...]:
        return QUEUES[self.name]


def consumer(name: str) -> Consumer:
    """The consumer `name` (a key of contracts.topology.QUEUES, the one list of them),
    from its module `consumers.<name>`: a process imports only the handler it runs (the
    badge renderer's PDF libraries stay out of the ratings consumer). KeyError if unknown."""
    if name not in QUEUES:
        raise KeyError(name)
    found = importlib.import_module(f"consumers.{name}").CONSUMER
    assert found.name == name, f"consumers/{name}.py defines consumer {found.name!r}"
    return found
