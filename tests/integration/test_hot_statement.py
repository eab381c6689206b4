"""A HotStatement runs on the connection's own DBAPI cursor (models/core/prepared.py), past
SQLAlchemy's result objects: what SQLAlchemy's execute gave the callers must still hold.
A dropped connection is invalidated and replaced, errors come wrapped as SQLAlchemy's
(the order path retries on IntegrityError, the API answers 503 on OperationalError),
datetimes come in UTC whatever the session's TimeZone, and outside a transaction the
statement begins one that the caller commits or that rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models.core.prepared import HotStatement

META = sa.MetaData()
PROBE = sa.Table("hot_probe", META, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False))
ADD = HotStatement("hot_probe_add", sa.insert(PROBE).values(
    id=sa.bindparam("id", type_=sa.Integer), at=sa.bindparam("at", type_=PROBE.c.at.type))
    .returning(PROBE.c.id, PROBE.c.at))
READ = HotStatement("hot_probe_read", sa.select(PROBE.c.id, PROBE.c.at).where(
    PROBE.c.id == sa.bindparam("id", type_=sa.Integer)))
AT = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url) -> Iterator[sa.Engine]:
    # a session TimeZone far from UTC: psycopg2 hands back datetimes in it
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0,
                              connect_args={"options": "-c timezone=Asia/Singapore"})
    META.create_all(engine)
    yield engine
    META.drop_all(engine)
    engine.dispose()


def _kill(admin_url: str, pid: int) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    admin.dispose()


def test_rows_come_as_dicts_with_datetimes_in_utc(engine):
    with engine.begin() as conn:
        assert ADD(conn, {"id": 1, "at": AT}) == [{"id": 1, "at": AT}]
        [row] = READ(conn, {"id": 1})
    assert row["at"] == AT and row["at"].utcoffset().total_seconds() == 0
    assert row["at"].tzinfo is UTC  # not the session's +08:00
    with engine.connect() as conn:
        assert READ(conn, {"id": 2}) == []


def test_errors_come_wrapped_and_roll_back(engine):
    with engine.begin() as conn:
        ADD(conn, {"id": 1, "at": AT})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        ADD(conn, {"id": 2, "at": AT})
        ADD(conn, {"id": 1, "at": AT})  # the same key: refused, the whole transaction too
    with engine.connect() as conn:
        assert READ(conn, {"id": 2}) == []


def test_outside_a_transaction_it_begins_one(engine):
    with engine.connect() as conn:
        ADD(conn, {"id": 1, "at": AT})
        assert conn.in_transaction()
        conn.commit()
        ADD(conn, {"id": 2, "at": AT})
    # left without commit: rolled back, as with conn.execute
    with engine.connect() as conn:
        assert [READ(conn, {"id": i}) != [] for i in (1, 2)] == [True, False]


def test_a_dropped_connection_is_invalidated_and_replaced(engine, pg_admin_url):
    with engine.connect() as conn:
        READ(conn, {"id": 1})  # PREPAREd on this connection
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    _kill(pg_admin_url, pid)
    with pytest.raises(sa.exc.OperationalError) as raised, engine.connect() as conn:
        READ(conn, {"id": 1})
    assert raised.value.connection_invalidated
    # the pool's one connection is a new one, where the statement is PREPAREd again
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert ADD(conn, {"id": 3, "at": AT})[0]["id"] == 3
