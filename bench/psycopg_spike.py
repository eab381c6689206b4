"""`python -m bench psycopg_spike`: would psycopg 3 cut PostgreSQL's CPU per order?

The one-statement order (`order_write`) is PREPAREd once per connection and run with
`EXECUTE order_write (<literals>)` through psycopg2, which sends every parameter as text
inside the SQL, about 1 KB per order, that PostgreSQL lexes and parses on every call.
psycopg 3 can send the same parameters out of band, binary where the type allows, to a
server-side prepared statement (the extended protocol, no SQL text to parse per call).

This records the parameters of one real on-site order placed through the API, then
replays that statement N times on each driver, each call inside a savepoint that is
rolled back (so every call does the same work; a plain ROLLBACK would make psycopg 3
forget its prepared statements), and reads the CPU of the PostgreSQL backend serving
the connection from /proc, with the baseline (`SELECT 1` in the same savepoints, on
each driver) in the same run.
Environment: SPIKE_CALLS (2000), SPIKE_ROUNDS (5)."""

from __future__ import annotations

import os
import secrets

import psycopg
import psycopg2
import sqlalchemy as sa

from bench.common import cpu_seconds, database, median, table
from models.core.config import Config
from models.core.prepared import HotStatement
from tests.support.api import create_event, sign_up
from tests.support.ticketing import make_ticket, onsite

STATEMENT = "order_write"


def recorded_order(db_url: str) -> tuple[HotStatement, dict]:
    """The statement and the parameters of one real on-site order (through the API)."""
    from api.app import create_app

    seen: list[tuple[HotStatement, dict]] = []
    call = HotStatement.__call__

    def recording(self, conn, params):
        if self.name == STATEMENT:
            seen.append((self, {**self.fixed, **params}))
        return call(self, conn, params)

    config = Config.from_env(dict(os.environ, DATABASE_URL=db_url,
                                  SECRET_KEY=secrets.token_urlsafe(48)))
    client = create_app(config).test_client()
    token = sign_up(client, "spike@example.com")
    event = create_event(client, token)
    ticket = make_ticket(client, token, event, 10**6)
    HotStatement.__call__ = recording
    try:
        r = onsite(client, token, event, [{"id": ticket, "quantity": 2}])
    finally:
        HotStatement.__call__ = call
    assert r.status_code == 201, r.get_json()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # the replays insert the same ids again
        conn.execute(sa.text("TRUNCATE orders, outbox CASCADE"))
    engine.dispose()
    return seen[0]


def backend_cpu(cursor) -> float:
    cursor.execute("SELECT pg_backend_pid()")
    return cpu_seconds([cursor.fetchone()[0]])


def psycopg2_run(dsn: str, stmt: HotStatement, values: dict, calls: int) -> tuple[float, int]:
    """PostgreSQL CPU ms per call for today's path, and the SQL bytes sent per call."""
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("SET plan_cache_mode = force_generic_plan")
    cur.execute(stmt.prepare)
    args = tuple(values[k] for k in stmt.order)
    sent = len(cur.mogrify(stmt.execute, args))
    conn.commit()
    before = backend_cpu(cur)
    for _ in range(calls):
        cur.execute("SAVEPOINT call")
        cur.execute(stmt.execute, args)
        cur.execute("ROLLBACK TO SAVEPOINT call")
    spent = backend_cpu(cur) - before
    conn.close()
    return 1000 * spent / calls, sent


def psycopg3_run(dsn: str, stmt: HotStatement, values: dict, calls: int,
                 binary: bool) -> float:
    """PostgreSQL CPU ms per call with a server-side prepared statement, parameters out of
    band (binary where psycopg can)."""
    body = stmt.statement.compile(dialect=sa.dialects.postgresql.psycopg.dialect()).string
    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        cur = conn.cursor(binary=binary)
        cur.execute("SET plan_cache_mode = force_generic_plan")
        conn.commit()
        before = backend_cpu(cur)
        for _ in range(calls):
            cur.execute("SAVEPOINT call")
            cur.execute(body, values, prepare=True)
            cur.execute("ROLLBACK TO SAVEPOINT call")
        spent = backend_cpu(cur) - before
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cur.fetchone()[0] <= 4, "psycopg re-prepared the statement on each call"
        return 1000 * spent / calls


def baseline(dsn: str, calls: int) -> tuple[float, float]:
    """PostgreSQL CPU ms per `SELECT 1` + ROLLBACK on each driver: the floor."""
    out = []
    conn2 = psycopg2.connect(dsn)
    cur = conn2.cursor()
    before = backend_cpu(cur)
    for _ in range(calls):
        cur.execute("SAVEPOINT call")
        cur.execute("SELECT 1")
        cur.execute("ROLLBACK TO SAVEPOINT call")
    out.append(1000 * (backend_cpu(cur) - before) / calls)
    conn2.close()
    with psycopg.connect(dsn, prepare_threshold=0) as conn3:
        cur3 = conn3.cursor()
        before = backend_cpu(cur3)
        for _ in range(calls):
            cur3.execute("SAVEPOINT call")
            cur3.execute("SELECT 1", prepare=True)
            cur3.execute("ROLLBACK TO SAVEPOINT call")
        out.append(1000 * (backend_cpu(cur3) - before) / calls)
    return out[0], out[1]


def main() -> None:
    calls = int(os.environ.get("SPIKE_CALLS", "2000"))
    rounds = int(os.environ.get("SPIKE_ROUNDS", "5"))
    with database() as db_url:
        stmt, values = recorded_order(db_url)
        dsn = sa.engine.make_url(db_url).set(drivername="postgresql") \
            .render_as_string(hide_password=False)
        runs: dict[str, list[float]] = {}
        sent = 0
        for _ in range(rounds):  # interleaved: each round runs every variant once
            floor2, floor3 = baseline(dsn, calls)
            ms, sent = psycopg2_run(dsn, stmt, values, calls)
            for name, value in (("SELECT 1, psycopg2", floor2), ("SELECT 1, psycopg 3", floor3),
                                ("order, psycopg2 EXECUTE (today)", ms),
                                ("order, psycopg 3 prepared, text", psycopg3_run(
                                    dsn, stmt, values, calls, binary=False)),
                                ("order, psycopg 3 prepared, binary", psycopg3_run(
                                    dsn, stmt, values, calls, binary=True))):
                runs.setdefault(name, []).append(value)
    today = median(runs["order, psycopg2 EXECUTE (today)"])
    table(f"PostgreSQL backend CPU per call ({calls} calls x {rounds} interleaved rounds; "
          f"today's EXECUTE sends {sent} bytes of SQL per order)",
          ["variant", "median ms", "min", "max", "vs today"],
          [[name, median(v), min(v), max(v), median(v) / today] for name, v in runs.items()])


if __name__ == "__main__":
    main()
