"""Scale figures: the event spine (bench/pipeline.py's measurements) on a private single
RabbitMQ node and on a private 3-node cluster, one after the other in the same run, with
1, 2 and 4 ratings consumer processes. Each node kind gets its own raw pika baseline.
Not a test: it prints a table.

    python -m bench cluster

The nodes are tests/support/rabbit_nodes.py's (own cookie, ports, port mapper and data
under a temp dir); the machine's own node is never used. On the cluster the relay lists
node 1 first (it declares the queues there, so node 1 leads them) and consumer k lists
node k+1 first, as clients spread over a cluster would: a delivery then crosses nodes.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from pathlib import Path

from bench.common import database, percentile, table
from bench.pipeline import baseline, e2e_throughput, latencies, purge, reset, seed
from contracts.topology import node_urls
from models.core.config import Config
from models.core.db import Database
from tests.support.processes import Processes
from tests.support.rabbit_nodes import node_list_url, rabbit_nodes, rabbitmq_installed

N_BASELINE = 10_000  # pipeline.py: 50,000 and 20,000; fewer keeps a run near 5 minutes
N_E2E = 5_000
CONSUMERS = (1, 2, 4)
RATE = 200  # events/s offered for the latency figures, one event per transaction
SECONDS = 5.0
KINDS = (("single node", 1), ("3-node cluster", 3))


def rotated(amqp_url: str, k: int) -> str:
    """The node list of `amqp_url` starting at its k-th node (modulo its length)."""
    urls = node_urls(amqp_url)
    k %= len(urls)
    return ",".join(urls[k:] + urls[:k])


class SpreadProcesses(Processes):
    """Each consumer process started lists the next node first (the relay keeps node 1)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        super().__init__(env, log_dir)
        self.consumers = 0

    def start(self, *args: str, ready: str | None = None, env: dict | None = None):
        if args[:1] == ("consume",):
            self.consumers += 1
            env = {**(env or {}), "AMQP_URL": rotated(self.env["AMQP_URL"], self.consumers)}
        return super().start(*args, ready=ready, env=env)


def measure(db: Database, env: dict[str, str], log_dir: Path) -> tuple[float, list[list]]:
    """The baseline on env's broker, then per consumer count: end-to-end events/s from a
    backlog of N_E2E, and latencies at RATE events/s with the same consumers."""
    base = baseline(env["AMQP_URL"], n=N_BASELINE)
    purge(env["AMQP_URL"])
    rows = []
    for n in CONSUMERS:
        procs = SpreadProcesses(env, log_dir)
        try:
            procs.start("relay", ready="relay running")
            rate = e2e_throughput(db, procs, n, n=N_E2E)
            reset(db)  # the throughput run warmed pools and caches: no separate warm-up
            values = latencies(db, RATE, seconds=SECONDS)
        finally:
            procs.stop_all()
        reset(db)
        rows.append([n, rate, rate / base, len(values), percentile(values, 50),
                     percentile(values, 99)])
    return base, rows


def main() -> None:
    if not rabbitmq_installed():
        print("rabbitmq-server is not installed: nothing to measure")
        return
    print(f"N: baseline {N_BASELINE:,} messages, end to end {N_E2E:,} events per row, "
          f"latency {RATE} events/s for {SECONDS:.0f} s per row", flush=True)
    log_dir = Path("var", "bench-logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, tuple[float, float, list[list]]] = {}
    with database() as db_url, tempfile.TemporaryDirectory() as base_dir:
        db = Database(Config(database_url=db_url), pool_size=8)
        seed(db)
        for kind, count in KINDS:
            started = time.perf_counter()
            with rabbit_nodes(count, Path(base_dir) / f"nodes{count}") as nodes:
                boot = time.perf_counter() - started
                env = {"DATABASE_URL": db_url, "AMQP_URL": node_list_url(nodes),
                       "SECRET_KEY": secrets.token_urlsafe(48), "LOG_LEVEL": "INFO"}
                results[kind] = (boot, *measure(db, env, log_dir))
            print(f"{kind}: measured", flush=True)
        db.dispose()
    report(results)


def report(results: dict[str, tuple[float, float, list[list]]]) -> None:
    table("Raw pika baseline per node kind (pipelined confirms -> quorum queue -> consumer)",
          ["node kind", "boot s", "messages/s"],
          [[kind, boot, base] for kind, (boot, base, _) in results.items()])
    table(f"End to end (commit -> average updated) and latency at {RATE} events/s offered "
          "(ms, commit -> applied)",
          ["node kind", "consumers", "events/s", "ratio to baseline", "events", "p50", "p99"],
          [[kind, *row] for kind, (_, _, rows) in results.items() for row in rows])
    print(json.dumps({kind: {"baseline": round(base),
                             "e2e": {r[0]: round(r[1]) for r in rows},
                             "p99_ms": {r[0]: round(r[5], 1) for r in rows}}
                      for kind, (_, base, rows) in results.items()}))


if __name__ == "__main__":
    main()
