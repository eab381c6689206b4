"""Statements on the hottest paths, PREPAREd on PostgreSQL.

psycopg2 sends every statement as text, so PostgreSQL plans it on every call: for the
door's statement that locks an attendee (four tables) planning costs more than running.
A `HotStatement` is PREPAREd once per connection and run with EXECUTE on the connection's
DBAPI cursor, which skips SQLAlchemy's compile and result objects as well. PostgreSQL may
still plan each EXECUTE afresh (it keeps a custom plan while a generic one looks dearer):
the API's connections set `plan_cache_mode=force_generic_plan` (models/core/db.py,
api_connect_args), so there it plans once per connection. On other databases (SQLite) it
runs as the Core statement it was built from. A prepared statement
lives as long as its server session (ROLLBACK keeps it): a pooler that hands sessions
around per transaction (pgbouncer in transaction mode) would need them turned off."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from sqlalchemy.dialects.postgresql import psycopg2
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TIMESTAMPTZ = 1184  # the type OID in cursor.description


class HotStatement:
    """`statement` (with `bindparam`s) under `name`; `elsewhere` is the variant for
    databases other than PostgreSQL, when they need one. Called with a connection and
    the parameters, it returns the rows as dicts, datetimes in UTC."""

    def __init__(self, name: str, statement: Executable,
                 elsewhere: Executable | None = None) -> None:
        self.name, self.statement = name, statement
        self.elsewhere = statement if elsewhere is None else elsewhere
        compiled = statement.compile(dialect=psycopg2.dialect())
        self.order: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in self.order:
                self.order.append(match.group(1))
            return f"${self.order.index(match.group(1)) + 1}"

        body = _PLACEHOLDER.sub(number, compiled.string)
        if "%" in body:
            raise ValueError(f"{name}: a literal % would be read as a placeholder")
        self.prepare = f"PREPARE {name} AS {body}"
        self.execute = f"EXECUTE {name}" + (
            f" ({', '.join(['%s'] * len(self.order))})" if self.order else "")
        # values the statement carries itself (literals bound as parameters)
        self.fixed = {k: v for k, v in compiled.construct_params(_check=False).items()
                      if v is not None}

    def __call__(self, conn: Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
        if conn.dialect.name != "postgresql":
            result = conn.execute(self.elsewhere, params)
            return [dict(row._mapping) for row in result] if result.returns_rows else []
        prepared = conn.connection.info.setdefault("venuebus_prepared", set())
        if self.name not in prepared:
            conn.exec_driver_sql(self.prepare)  # lasts as long as the connection
            prepared.add(self.name)
        values = {**self.fixed, **params}
        args = tuple(values[k] for k in self.order)
        raw = conn.connection.dbapi_connection
        if not (raw.autocommit or conn.in_transaction()):
            conn.begin()  # as conn.execute would: the caller commits it or it rolls back
        cursor = raw.cursor()
        try:
            # the connection's own cursor execution: its events, logging and error
            # handling (a disconnect invalidates the connection, errors come wrapped as
            # SQLAlchemy's), without a result object built afresh for each call:
            # exec_driver_sql cost 50 µs more per statement, most of it reading the
            # description into result metadata that is never cached for plain SQL
            conn._cursor_execute(cursor, self.execute, args)
            if cursor.description is None:
                return []
            keys = [d[0] for d in cursor.description]
            aware = [i for i, d in enumerate(cursor.description) if d[1] == TIMESTAMPTZ]
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if aware:
            rows = [_in_utc(row, aware) for row in rows]
        return [dict(zip(keys, row, strict=True)) for row in rows]


def _in_utc(row: tuple, aware: list[int]) -> list:
    """`row` with its timestamptz values (at `aware`) in UTC, as the session's TimeZone
    may not be."""
    out = list(row)
    for i in aware:
        if out[i] is not None:
            out[i] = out[i].astimezone(UTC)
    return out
