"""A handler's "own earlier transaction" (progress, a mail intent) next to the runtime's.

On PostgreSQL it is a separate unit of work that commits at once, visible to everyone
while the handler's transaction is still open. SQLite has one writer at a time and the
runtime's transaction already holds the write lock (its tracking row), so a second
connection would wait out the busy timeout and fail: there the side unit is the handler's
own transaction and its commit only a flush. What that costs on SQLite (a development
setup) is said where it is used."""

from __future__ import annotations

from types import TracebackType

from contracts.envelope import DomainEvent
from models.core.uow import UnitOfWork


class _Joined:
    """The outer unit of work, with commit = flush and no rollback on exit."""

    def __init__(self, outer: UnitOfWork) -> None:
        self.outer = outer
        self.db = outer.db
        self.session = outer.session

    def __enter__(self) -> _Joined:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def record(self, event: DomainEvent) -> str:
        return self.outer.record(event)

    def commit(self) -> None:
        self.outer.flush()


def side_unit(outer: UnitOfWork) -> UnitOfWork | _Joined:
    """`with side_unit(uow) as side: ...; side.commit()`: see the module docstring."""
    if outer.db.is_postgres:
        return UnitOfWork(outer.db)
    return _Joined(outer)


def can_commit_aside(outer: UnitOfWork) -> bool:
    """Whether side units really commit apart from `outer` (PostgreSQL)."""
    return outer.db.is_postgres
