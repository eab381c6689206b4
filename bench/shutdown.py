"""Consumer shutdown times, the figures the spine tests no longer assert: SIGTERM to
exit when idle, from the end of the work in flight to exit when draining, and SIGTERM to
exit when the work is stuck past `--drain-deadline 1`. Not a test: it prints a table.

    python -m bench shutdown
"""

from __future__ import annotations

import os
import secrets
import signal
import tempfile
import time
from pathlib import Path

from bench.common import median, services, table
from models.core.config import Config
from models.core.db import Database
from tests.support.in_flight import EventRowLock, waiting_on_a_lock
from tests.support.processes import Processes, wait_until
from tests.support.ratings import RatingWorkload

RUNS = 3
READY = "consuming venuebus.ratings"


def _stuck_consumer(db, procs: Processes, work: RatingWorkload, *args: str):
    """A fresh consumer whose handler waits on a locked event row (a new event queued
    first, then the lock, then the consumer: it blocks inside its transaction)."""
    work.step()
    lock = EventRowLock(db, work.events[0])
    consumer = procs.start("consume", "ratings", *args, ready=READY)
    wait_until(lambda: waiting_on_a_lock(db), timeout=30, what="the consumer blocked")
    return consumer, lock


def idle_exit(procs: Processes) -> float:
    consumer = procs.start("consume", "ratings", ready=READY)
    started = time.perf_counter()
    consumer.terminate(timeout=60)
    return time.perf_counter() - started


def drain_exit(db, procs: Processes, work: RatingWorkload) -> float:
    consumer, lock = _stuck_consumer(db, procs, work)
    consumer.popen.send_signal(signal.SIGTERM)
    consumer.wait_for_output("draining")
    started = time.perf_counter()
    lock.release()
    consumer.terminate(timeout=60)
    return time.perf_counter() - started


def deadline_exit(db, procs: Processes, work: RatingWorkload) -> float:
    consumer, lock = _stuck_consumer(db, procs, work, "--drain-deadline", "1")
    started = time.perf_counter()
    consumer.terminate(timeout=60)
    elapsed = time.perf_counter() - started
    lock.release()
    return elapsed


def main() -> None:
    with services() as (db_url, amqp_url), tempfile.TemporaryDirectory() as logs:
        db = Database(Config(database_url=db_url, amqp_url=amqp_url))
        env = {"DATABASE_URL": db_url, "AMQP_URL": amqp_url, "LOG_LEVEL": "INFO",
               "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)}
        procs = Processes(env, Path(logs))
        work = RatingWorkload(db, events=1)
        procs.start("relay", ready="relay running")
        try:
            rows = []
            for what, run in [("idle: SIGTERM -> exit", lambda: idle_exit(procs)),
                              ("draining: work done -> exit", lambda: drain_exit(db, procs, work)),
                              ("stuck work, --drain-deadline 1: SIGTERM -> exit",
                               lambda: deadline_exit(db, procs, work))]:
                values = [run() for _ in range(RUNS)]
                rows.append([what, median(values) * 1000, max(values) * 1000])
        finally:
            procs.stop_all()
            db.dispose()
    table(f"Consumer shutdown (ms, {RUNS} runs each, this machine)",
          ["what", "median ms", "max ms"], rows)


if __name__ == "__main__":
    main()
