"""The API engine's ping-when-idle: a pooled connection the server dropped is replaced
on checkout once it sat idle long enough, without the request seeing an error."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from models.core.db import ping_when_idle


def _kill(admin_url: str, pid: int) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    admin.dispose()


def _pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_the_server_dropped_is_replaced_on_checkout(database_url,
                                                                       pg_admin_url):
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=0.05)
    first = _pid(engine)
    _kill(pg_admin_url, first)
    time.sleep(0.1)
    assert _pid(engine) != first  # pinged, found dead, replaced: no error
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(database_url, pg_admin_url):
    """The price of skipping the ping under load: a drop within the idle window reaches
    the request (the API answers 503 and the pool is replaced)."""
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=60)
    killed = _pid(engine)
    _kill(pg_admin_url, killed)
    with pytest.raises(sa.exc.OperationalError), engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert _pid(engine) != killed  # the pool replaced the dead connection
    engine.dispose()


def test_the_autocommit_engine_is_pinged_too(base_config, pg_admin_url):
    """Orders run on the Database's autocommit engine, made on first use after the
    idle ping was set up: a connection of it the server dropped is replaced on checkout
    as well, whichever came first."""
    from models.core.db import Database

    for ping_first in (True, False):
        db = Database(base_config, pool_pre_ping=False, pool_size=1, max_overflow=0)
        if ping_first:
            db.ping_when_idle(0.05)
            engine = db.autocommit_engine
        else:
            engine = db.autocommit_engine
            db.ping_when_idle(0.05)
        first = _pid(engine)
        _kill(pg_admin_url, first)
        time.sleep(0.1)
        assert _pid(engine) != first  # pinged, found dead, replaced: no error
        db.dispose()
