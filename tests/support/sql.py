"""What SQL a piece of code sends: the door's round trips are counted with it."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def statements(db):
    """The SQL statements the engine runs meanwhile (PREPAREs left out: once per
    connection, not per request)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *_):
        if not statement.startswith("PREPARE"):
            seen.append(statement.split("(")[0].strip())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
