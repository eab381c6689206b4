"""Engine and session factory, built from a Config (never at import time)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from models.core.config import Config, driver_url

SQLITE_BUSY_TIMEOUT_MS = 15000
BACKGROUND_PING_IDLE_S = 10.0


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`. SQLite gets WAL and a busy timeout: the API, the relay and
    the consumers write to it from separate processes. `postgresql://` and `postgres://`
    use psycopg2 (`driver_url`)."""
    url = driver_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs["connect_args"] = {"connect_timeout": 10, **kwargs.get("connect_args", {})}
    return create_engine(url, **kwargs)


def api_connect_args(lock_timeout_ms: int) -> dict:
    """Engine arguments of the API: every connection's lock waits give up after
    `lock_timeout_ms` (PostgreSQL `lock_timeout`, SQLSTATE 55P03), and its PREPAREd
    statements (models/core/prepared.py) run a generic plan from the first EXECUTE on. Both
    are set once per connection at connect, not by a SET per transaction, which would
    cost a round trip.

    The hot statements' parameters are ids and keys looked up by unique index, so the
    generic plan is the one a custom plan would find; PostgreSQL still planned each
    EXECUTE afresh (0.12 ms of its CPU per statement, a third of an order's) because a
    generic plan's estimate looked dearer than a plan for the values at hand. Only
    PREPAREd statements have plans to cache: the rest of the API's SQL is unaffected."""
    return {"connect_args": {"options": f"-c lock_timeout={int(lock_timeout_ms)} "
                                        "-c plan_cache_mode=force_generic_plan"}}


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only when it sat idle for `idle_seconds`
    (SQLAlchemy's custom pessimistic recipe), instead of `pool_pre_ping`'s round trip on
    every checkout. Busy connections are in use too recently to have gone stale unseen;
    a server restart within that window costs the request that finds the connection dead
    a 503 (and the pool is replaced), never a wrong answer."""

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn, record) -> None:
        record.info["venuebus_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("venuebus_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT 1")
        except Exception as err:  # the pool invalidates it and checks out another
            raise exc.DisconnectionError() from err
        finally:
            cursor.close()


def unique_violation(error: exc.IntegrityError) -> bool:
    """Whether a unique index refused the write (PostgreSQL 23505, SQLite's message)."""
    return getattr(error.orig, "pgcode", None) == "23505" or \
        "UNIQUE constraint failed" in str(error.orig)


def background_database(config: Config, idle_seconds: float = BACKGROUND_PING_IDLE_S,
                        **engine_kwargs) -> Database:
    """The database of a relay or consumer process: a pooled connection is pinged on
    checkout only after `idle_seconds` idle, not on every checkout (a round trip per
    batch). A connection the server dropped meanwhile fails its batch, which the relay
    and the consumers retry on a fresh connection (the pool is replaced)."""
    db = Database(config, pool_pre_ping=False, **engine_kwargs)
    if db.is_postgres:
        db.ping_when_idle(idle_seconds)
    return db


class Database:
    """Owns the engines and the session factory of one process."""

    def __init__(self, config: Config, **engine_kwargs) -> None:
        self.config = config
        self.engine = make_engine(config.database_url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._engine_kwargs = engine_kwargs
        self._idle_ping: float | None = None
        self._autocommit: Engine | None = None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def ping_when_idle(self, idle_seconds: float) -> None:
        """`ping_when_idle` for this database's engines, the autocommit one included."""
        self._idle_ping = idle_seconds
        for engine in (self.engine, self._autocommit):
            if engine is not None:
                ping_when_idle(engine, idle_seconds)

    @property
    def autocommit_engine(self) -> Engine:
        """An engine whose connections stay in autocommit, for work that is one statement
        (an order written at once). Switching a pooled connection of `engine` in and out
        of autocommit costs a round trip: psycopg2 sends `SET default_transaction_isolation
        TO DEFAULT` when the connection goes back to the pool. Made on first use, with
        `engine`'s arguments; its connections are opened as they are needed."""
        if self._autocommit is None:
            self._autocommit = make_engine(self.config.database_url,
                                           isolation_level="AUTOCOMMIT",
                                           **self._engine_kwargs)
            if self._idle_ping is not None:
                ping_when_idle(self._autocommit, self._idle_ping)
        return self._autocommit

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._autocommit is not None:
            self._autocommit.dispose()
