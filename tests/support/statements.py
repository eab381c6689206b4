"""Watching what the engine sends: the statements a request runs, and how many
connections it checks out (each checkout of an idle API connection may cost a ping)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """The SQL statements the engine runs meanwhile, each up to its first "(" (PREPAREs
    left out: once per connection, not per request)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *_):
        if not statement.startswith("PREPARE"):
            seen.append(statement.split("(")[0].strip())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@dataclass
class Traffic:
    statements: list[str] = field(default_factory=list)  # as `statements` records them
    transactions: list[str] = field(default_factory=list)  # "commit" / "rollback"
    checkouts: int = 0


@contextmanager
def traffic(db) -> Iterator[Traffic]:
    """`statements`, plus the transactions ended and the connections checked out."""
    seen = Traffic()

    def checkout(*_):
        seen.checkouts += 1

    ends = {"commit": lambda conn: seen.transactions.append("commit"),
            "rollback": lambda conn: seen.transactions.append("rollback")}
    event.listen(db.engine, "checkout", checkout)
    for name, fn in ends.items():
        event.listen(db.engine, name, fn)
    try:
        with statements(db) as seen.statements:
            yield seen
    finally:
        event.remove(db.engine, "checkout", checkout)
        for name, fn in ends.items():
            event.remove(db.engine, name, fn)
