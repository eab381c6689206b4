"""Every row of every table, to show that a refused request changed nothing."""

from __future__ import annotations

import sqlalchemy as sa

from models.core.base import Base
from models.core.db import Database
from tests.support.api import assert_error


def database_rows(db: Database) -> dict[str, list[tuple]]:
    """Table name → its rows (as tuples, in primary key order)."""
    import models.registry  # noqa: F401  (every table known)

    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*key))]
    return out


def refused(api, before: dict[str, list[tuple]], r, status: int,
            code: str | None = None) -> dict:
    """The JSON:API error of `r` (asserted `status` and `code`), after asserting that the
    database of `api` (anything with a `db`) holds exactly the rows `before`."""
    err = assert_error(r, status, code)
    assert database_rows(api.db) == before
    return err
