"""Watching what the engine sends: the statements a request runs, and how many
connections it checks out (each checkout of an idle API connection may cost a ping)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg2.extensions
from sqlalchemy import event


def _engines(db) -> list:
    """The database's engines: its own, and on PostgreSQL the autocommit one."""
    return [db.engine, db.autocommit_engine] if db.is_postgres else [db.engine]


@contextmanager
def executed(db) -> Iterator[list[tuple[str, object]]]:
    """Every (statement, parameters) the engines run meanwhile, whole, PREPAREs left out
    (once per connection, not per request)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, *_):
        if not statement.startswith("PREPARE"):
            seen.append((statement, parameters))

    for engine in _engines(db):
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in _engines(db):
            event.remove(engine, "before_cursor_execute", record)


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """The SQL statements the engines run meanwhile, each up to its first "(" (PREPAREs
    left out). Read it after the block."""
    heads: list[str] = []
    with executed(db) as seen:
        yield heads
    heads.extend(statement.split("(")[0].strip() for statement, _ in seen)


@dataclass
class Traffic:
    round_trips: list[str] = field(default_factory=list)  # what psycopg2 sends, in order
    checkouts: int = 0  # connections taken from the pool


@contextmanager
def traffic(db) -> Iterator[Traffic]:
    """What goes over the wire to PostgreSQL meanwhile, as psycopg2 sends it: a BEGIN
    before the first statement of a transaction (none in autocommit), each statement up
    to its first "(" (PREPAREs left out), a COMMIT or ROLLBACK only for a transaction
    that began, the SET psycopg2 sends when a connection switched into autocommit for a
    while goes back to the pool; and the connections checked out."""
    seen = Traffic()

    def in_transaction(conn) -> bool:
        raw = conn.connection.dbapi_connection
        return raw.status == psycopg2.extensions.STATUS_BEGIN

    def statement(conn, cursor, text, *_):
        raw = conn.connection.dbapi_connection
        if not raw.autocommit and not in_transaction(conn):
            seen.round_trips.append("BEGIN")
        if not text.startswith("PREPARE"):
            seen.round_trips.append(text.split("(")[0].strip())

    def ending(word: str):
        def end(conn) -> None:
            if in_transaction(conn):
                seen.round_trips.append(word)
        return end

    def checkout(*_):
        seen.checkouts += 1

    def switched(conn, options):
        # psycopg2 sets the isolation level back with a SET (a round trip of its own,
        # sent outside any cursor) when the connection is returned
        if "isolation_level" in options:
            seen.round_trips.append("SET default_transaction_isolation")

    hooks = {"before_cursor_execute": statement, "commit": ending("COMMIT"),
             "rollback": ending("ROLLBACK"), "checkout": checkout,
             "set_connection_execution_options": switched}
    for engine in _engines(db):
        for name, fn in hooks.items():
            event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for engine in _engines(db):
            for name, fn in hooks.items():
                event.remove(engine, name, fn)
