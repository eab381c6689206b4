"""The sign-in throttle: failures counted per key in a fixed window, in the database (every
API process, on every host, sees one count).

A key names what is counted: `login:account:<email>`, `login:address:<ip>`,
`signup:address:<ip>`... Each key's row holds its window's start and its failures; a
failure after the window starts a new one. Checking and counting are separate
statements: concurrent attempts may each pass the check before any is counted, so a
burst of k parallel requests may exceed a limit by up to k - 1, never more."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from models.accounts.tables import AuthThrottle
from models.core.base import UTCDateTime, utcnow
from models.core.db import Database
from models.core.errors import Throttled

THROTTLES = AuthThrottle.__table__


@dataclass(frozen=True)
class Limit:
    """At most `max_failures` for `key` per `window_s` seconds."""

    key: str
    max_failures: int
    window_s: int


def address_key(address: str) -> str:
    """What one client address counts as: an IPv4 address itself, an IPv6 address its /64
    (one host is given a whole /64 and picks addresses in it freely); anything else as
    given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check_limits(db: Database, limits: list[Limit], *, now: datetime | None = None) -> None:
    """Raises Throttled (with the longest wait of the keys over their limit) when any
    key has used up its failures in its current window; changes nothing."""
    now = now or utcnow()
    by_key = {limit.key: limit for limit in limits}
    with db.engine.connect() as conn:
        rows = conn.execute(select(THROTTLES).where(THROTTLES.c.key.in_(by_key))).all()
    waits = []
    for row in rows:
        limit = by_key[row.key]
        ends = row.window_started_at + timedelta(seconds=limit.window_s)
        if row.failures >= limit.max_failures and ends > now:
            waits.append(math.ceil((ends - now).total_seconds()))
    if waits:
        raise Throttled("Too many attempts: wait before trying again",
                        retry_after=max(1, max(waits)))


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(THROTTLES)


def counting(stmt: postgresql.Insert | sqlite.Insert, since: ColumnElement):
    """`stmt`, an INSERT of rows (key, window_started_at = now, failures = 1), made to
    count one more for a key that has a row: 1 again, in a window starting now, when the
    row's window started at or before `since` (now less the window)."""
    expired = THROTTLES.c.window_started_at <= since
    return stmt.on_conflict_do_update(index_elements=[THROTTLES.c.key], set_={
        "failures": case((expired, 1), else_=THROTTLES.c.failures + 1),
        "window_started_at": case((expired, stmt.excluded.window_started_at),
                                  else_=THROTTLES.c.window_started_at)})


def refuse_past_limits(counted: list[tuple[str, int, datetime]], limits: list[Limit],
                       now: datetime) -> None:
    """Throttled (with the longest wait) when a key's count (key, failures, window start),
    just taken with this attempt, passed its limit."""
    by_key = {limit.key: limit for limit in limits}
    waits = [math.ceil((started + timedelta(seconds=by_key[key].window_s) - now)
                       .total_seconds())
             for key, failures, started in counted if failures > by_key[key].max_failures]
    if waits:
        raise Throttled("Too many attempts: wait before trying again",
                        retry_after=max(1, max(waits)))


def count_failure(db: Database, limits: list[Limit], *, now: datetime | None = None) -> None:
    """One more failure for each key (a key whose window ended starts a new one with 1),
    one atomic upsert per key, in one transaction."""
    now = now or utcnow()
    with db.engine.begin() as conn:
        for limit in limits:
            stmt = _upsert(conn.dialect.name).values(key=limit.key, window_started_at=now,
                                                     failures=1)
            cutoff = literal(now - timedelta(seconds=limit.window_s), UTCDateTime())
            conn.execute(counting(stmt, cutoff))


def take_attempt(db: Database, limits: list[Limit], *, now: datetime | None = None) -> None:
    """Count one attempt for every key and refuse it (Throttled) when that passes any
    key's limit: one upsert of every key, in one statement with no transaction around it
    (what a hot path can pay). Counting first, then comparing, makes the limit exact
    under concurrency too. The keys share one window. (An order counts its attempt in
    its own first statement instead: models/ticketing/orders/throttle.py.)"""
    now = now or utcnow()
    [window_s] = {limit.window_s for limit in limits}
    stmt = _upsert(db.engine.dialect.name).values(
        [{"key": key, "window_started_at": now, "failures": 1}
         for key in sorted({limit.key for limit in limits})])  # one lock order: no deadlock
    stmt = counting(stmt, literal(now - timedelta(seconds=window_s), UTCDateTime())) \
        .returning(THROTTLES.c.key, THROTTLES.c.failures, THROTTLES.c.window_started_at)
    with db.autocommit_engine.connect() as conn:
        rows = conn.execute(stmt).all()
    refuse_past_limits([tuple(row) for row in rows], limits, now)


def clear_limits(db: Database, keys: list[str]) -> None:
    """Forget the failures of `keys` (an account's, after its owner signed in)."""
    with db.engine.begin() as conn:
        conn.execute(delete(THROTTLES).where(THROTTLES.c.key.in_(keys)))
