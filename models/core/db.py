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


def lock_timeout_args(lock_timeout_ms: int) -> dict:
    """Engine arguments that make every connection's lock waits give up after
    `lock_timeout_ms` (PostgreSQL `lock_timeout`, SQLSTATE 55P03): set once per
    connection at connect, not by a SET per transaction, which would cost a round trip."""
    return {"connect_args": {"options": f"-c lock_timeout={int(lock_timeout_ms)}"}}


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
        ping_when_idle(db.engine, idle_seconds)
    return db


class Database:
    """Owns the engine and the session factory of one process."""

    def __init__(self, config: Config, **engine_kwargs) -> None:
        self.config = config
        self.engine = make_engine(config.database_url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
