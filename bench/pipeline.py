"""Pipeline benchmark: relay drain, end-to-end throughput and latency, against a raw pika
baseline measured in the same run. Not a test: it prints a table.

    make bench            # or: python -m bench pipeline
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pika
from sqlalchemy import func, select, text

from bench import stages
from bench.common import percentile, services, table
from bus.connection import connection_parameters
from bus.messages import properties
from contracts.envelope import dumps, envelope
from contracts.ratings import RatingChanged
from contracts.topology import EXCHANGE
from models.accounts.tables import User
from models.catalog.tables import Event
from models.core.config import Config
from models.core.db import Database
from models.core.outbox import OutboxMessage, ProcessedMessage
from models.core.uow import UnitOfWork
from producers.publisher import ConfirmingPublisher, Outgoing
from producers.relay import Relay
from tests.support.processes import Processes, wait_until

N_BASELINE = 50_000
N_DRAIN = 50_000
N_E2E = 20_000
EVENTS = 50


def _event(i: int) -> RatingChanged:
    return RatingChanged(event_id=1 + i % EVENTS, feedback_id=i, user_id=1, change="created",
                         rating=i % 6, previous_rating=None,
                         changed_at=datetime.now(UTC).isoformat())


def _baseline_consumer(url: str, queue: str, n: int, done) -> None:
    conn = pika.BlockingConnection(connection_parameters(url))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=200)
    seen = 0
    for method, _props, _body in ch.consume(queue):
        ch.basic_ack(method.delivery_tag)
        seen += 1
        if seen == n:
            done.value = time.time()
            break
    conn.close()


def baseline(amqp_url: str, n: int = N_BASELINE) -> float:
    """Raw pika: pipelined confirms into a quorum queue, one consumer acking each; n
    messages (a multiple of 1,000)."""
    conn = pika.BlockingConnection(connection_parameters(amqp_url))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    ch.queue_declare("bench.baseline", durable=True, arguments={"x-queue-type": "quorum"})
    ch.queue_bind("bench.baseline", EXCHANGE, routing_key="bench.baseline")
    conn.close()
    body = dumps(envelope(_event(0))).encode()
    done = mp.Value("d", 0.0)
    consumer = mp.get_context("fork").Process(
        target=_baseline_consumer, args=(amqp_url, "bench.baseline", n, done))
    consumer.start()
    publisher = ConfirmingPublisher(amqp_url)
    publisher.start()
    started = time.time()
    for start in range(0, n, 1000):
        publisher.publish([Outgoing("bench.baseline", body, properties(str(i), "bench"))
                           for i in range(start, start + 1000)])
    consumer.join(300)
    publisher.close()
    return n / (done.value - started)


def process_env(db_url: str, amqp_url: str) -> dict[str, str]:
    """The environment of the relay and consumer processes the bench starts."""
    return {"DATABASE_URL": db_url, "AMQP_URL": amqp_url, "LOG_LEVEL": "INFO",
            "SECRET_KEY": secrets.token_urlsafe(48)}


def load_database(config: Config) -> Database:
    """The load generator's database: it plays the API, so its engine is built as the
    API's is (a connection pinged only after sitting idle, not on every checkout)."""
    db = Database(config, pool_size=8, pool_pre_ping=False)
    db.ping_when_idle(10.0)
    return db


def seed(db: Database) -> None:
    with db.session() as s:
        s.add(User(email="bench@example.com", password_hash="x"))
        s.flush()
        now = datetime.now(UTC)
        s.add_all(Event(name=f"E{i}", owner_id=1, starts_at=now, ends_at=now)
                  for i in range(EVENTS))
        s.commit()


def commit_events(db: Database, n: int, chunk: int = 500) -> None:
    """n rating events, committed through the unit of work in transactions of `chunk`."""
    for start in range(0, n, chunk):
        with UnitOfWork(db) as uow:
            for i in range(start, min(n, start + chunk)):
                uow.record(_event(i))
            uow.commit()


def reset(db: Database) -> None:
    """Empty the outbox and the tracking rows. DELETE, not TRUNCATE: a table lock would
    wait for the relay's batches in flight while the relay's next claim waited for it."""
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM processed_messages"))
        conn.execute(text("UPDATE events SET rating_count = 0, rating_sum = 0, "
                          "average_rating = NULL"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM outbox, processed_messages"))  # no dead rows to wade through


def purge(amqp_url: str) -> None:
    conn = pika.BlockingConnection(connection_parameters(amqp_url))
    for q in ("venuebus.ratings", "bench.baseline"):
        try:
            conn.channel().queue_purge(q)
        except pika.exceptions.ChannelClosedByBroker:
            pass
    conn.close()


def relay_drain(db: Database, amqp_url: str) -> float:
    commit_events(db, N_DRAIN, chunk=5000)
    publisher = ConfirmingPublisher(amqp_url)
    publisher.start()
    relay = Relay(db, publisher, batch_size=1000)
    started = time.perf_counter()
    relay.drain()
    elapsed = time.perf_counter() - started
    publisher.close()
    return N_DRAIN / elapsed


def processed(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ProcessedMessage))


def e2e_throughput(db: Database, procs: Processes, consumers: int, n: int = N_E2E) -> float:
    for _ in range(consumers):
        procs.start("consume", "ratings", ready="consuming venuebus.ratings")
    started = time.perf_counter()
    commit_events(db, n)
    wait_until(lambda: processed(db) >= n, timeout=300, interval=0.02,
               what="backlog applied")
    return n / (time.perf_counter() - started)


def latencies(db: Database, rate: int, seconds: float = 8.0,
              stamps: dict[str, dict[str, float]] | None = None) -> list[float]:
    """Offer `rate` events/s (one event per transaction, like API requests) for `seconds`;
    latency = consumer's apply time - outbox commit time, in ms. `stamps`, when given,
    gets each event's `created` (the row built) and `committed` (the commit returned)
    wall-clock times by message id."""
    stop_at = time.perf_counter() + seconds
    threads = 4
    committed: dict[str, float] = {}

    def produce(k: int) -> None:
        interval = threads / rate
        next_at = time.perf_counter() + k * interval / threads
        i = k
        while next_at < stop_at:
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            with UnitOfWork(db) as uow:
                message_id = uow.record(_event(i))
                uow.commit()
            committed[message_id] = time.time()
            i += threads
            next_at += interval

    workers = [threading.Thread(target=produce, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    expected = _outbox_count(db)
    wait_until(lambda: processed(db) >= expected, timeout=60, what="offered load applied")
    with db.session() as s:
        rows = s.execute(select(OutboxMessage.message_id, OutboxMessage.created_at,
                                ProcessedMessage.processed_at).join(
            ProcessedMessage, ProcessedMessage.message_id == OutboxMessage.message_id)).all()
    if stamps is not None:
        for message_id, created, _ in rows:
            stamps[message_id] = {"created": created.timestamp(),
                                  "committed": committed.get(message_id, 0.0)}
    return [(p - c).total_seconds() * 1000 for _, c, p in rows]


def _outbox_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


# the targets (#16), checked against the figures of the same run
E2E_TARGET = 0.5  # end to end with one consumer / raw-pika baseline
P99_TARGET_MS = 50.0  # p99 at 500 events/s offered
DRAIN_TARGET = 5000  # relay drain, rows/s
README_BASELINE = 10_458  # the raw-pika baseline of the README's table (2026-11-27)


# settings the same run measures the 500 events/s latency under too: what each change
# of #16 bought, on the machine as it is at that minute
VARIANTS = {"claim on NOTIFY (relay window 4, a NOTIFY claims while the oldest awaits "
            "its confirm)": {"RELAY_WINDOW": "4", "RELAY_CLAIM_ON_NOTIFY": "1"}}


def latency_runs(db: Database, env: dict[str, str], log_dir: Path, rates: tuple[int, ...],
                 root: Path | None = None
                 ) -> tuple[list[list[object]], dict[int, list[list[object]]]]:
    """(latency rows, stage rows by rate) with a relay and one consumer started with `env`,
    which names the stage log directory (STAGE_LOG_DIR), from the code under `root` (this
    checkout unless told)."""
    lat_rows, stage_rows = [], {}
    procs = Processes(env, log_dir) if root is None else Processes(env, log_dir, root)
    procs.start("relay", ready="relay running")
    procs.start("consume", "ratings", ready="consuming venuebus.ratings")
    latencies(db, 200, seconds=2.0)  # warm-up: pools, caches, first batches
    reset(db)
    for rate in rates:
        events: dict[str, dict[str, float]] = {}
        values = latencies(db, rate, stamps=events)
        lat_rows.append([f"{rate} events/s offered", len(values), percentile(values, 50),
                         percentile(values, 95), percentile(values, 99)])
        stage_rows[rate] = stages.breakdown(
            stages.collect(Path(env["STAGE_LOG_DIR"]), events))
        reset(db)
    procs.stop_all()
    return lat_rows, stage_rows


def main() -> None:
    log_dir = Path("var", "bench-logs").resolve()
    stage_dir = log_dir / f"stages-{os.getpid()}"
    log_dir.mkdir(parents=True, exist_ok=True)
    with services() as (db_url, amqp_url):
        db = load_database(Config(database_url=db_url, amqp_url=amqp_url))
        seed(db)
        env = process_env(db_url, amqp_url)
        base = baseline(amqp_url)
        purge(amqp_url)
        # the relay declares the consumer queues, so the drain fills venuebus.ratings
        procs = Processes(env, log_dir)
        procs.start("relay", ready="relay running").terminate()
        drain = relay_drain(db, amqp_url)
        purge(amqp_url)
        reset(db)
        rows = []
        for n in (1, 2):
            procs = Processes(env, log_dir)
            procs.start("relay", ready="relay running")
            rate = e2e_throughput(db, procs, n)
            procs.stop_all()
            reset(db)
            rows.append([f"end-to-end, {n} consumer process(es)", rate, rate / base])
        traced = {**env, "STAGE_LOG_DIR": str(stage_dir)}
        lat_rows, stage_rows = latency_runs(db, traced, log_dir, (200, 500, 1000))
        variants = {name: latency_runs(db, {**traced, **settings}, log_dir, (500,))
                    for name, settings in VARIANTS.items()}
        db.dispose()
    report(base, drain, rows, lat_rows, stage_rows)
    compare(lat_rows, variants)


def compare(lat_rows: list, variants: dict) -> None:
    """The 500 events/s latency of each variant beside the shipped settings'."""
    shipped = next(r for r in lat_rows if r[0].startswith("500 "))
    table("Same run, 500 events/s: shipped settings and claiming on NOTIFY (ms)",
          ["settings", "events", "p50", "p95", "p99"],
          [["shipped", *shipped[1:]], *[[name, *lat[0][1:]] for name, (lat, _) in
                                        variants.items()]])
    for name, (_, by_rate) in variants.items():
        table(f"Where the time goes at 500 events/s, {name}",
              ["stage", "p50", "p99", "median events", "slowest 1%"], by_rate[500])


def report(base: float, drain: float, rows: list, lat_rows: list, stage_rows: dict) -> None:
    print(f"\nmachine speed: raw-pika baseline {base:,.0f} msg/s "
          f"({base / README_BASELINE:.2f} of the README's 2026-11-27 machine, "
          f"{README_BASELINE:,} msg/s)")
    table("Throughput (PostgreSQL + RabbitMQ, this machine, one run)",
          ["what", "per second", "ratio to baseline"],
          [["baseline: raw pika, pipelined confirms -> quorum queue -> consumer acking",
            base, 1.0],
           ["relay drain (rows/s from a 50,000-row backlog)", drain, drain / base], *rows])
    table("End-to-end latency: commit -> consumer applies (ms)",
          ["offered load", "events", "p50", "p95", "p99"], lat_rows)
    for rate, stage in stage_rows.items():
        table(f"Where the time goes at {rate} events/s (ms; shares of the events around "
              "the median and of the slowest 1%)",
              ["stage", "p50", "p99", "median events", "slowest 1%"], stage)
    p99 = next(r[4] for r in lat_rows if r[0].startswith("500 "))
    checks = [["end to end, 1 consumer / baseline", rows[0][2], f">= {E2E_TARGET}",
               rows[0][2] >= E2E_TARGET],
              ["p99 at 500 events/s (ms)", p99, f"<= {P99_TARGET_MS:.0f}",
               p99 <= P99_TARGET_MS],
              ["relay drain (rows/s)", drain, f">= {DRAIN_TARGET:,}", drain >= DRAIN_TARGET]]
    table("Targets (issue #16), figures of this run", ["target", "figure", "goal", "mark"],
          [[*c[:3], "PASS" if c[3] else "FAIL"] for c in checks])
    print(json.dumps({"baseline": round(base), "relay_drain": round(drain),
                      "e2e": [round(r[1]) for r in rows],
                      "latency_p99": {r[0]: round(r[4], 1) for r in lat_rows},
                      "pass": all(c[3] for c in checks)}))


if __name__ == "__main__":
    main()
