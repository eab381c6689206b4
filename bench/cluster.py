"""Scale figures: the event spine (bench/pipeline.py's measurements) on a private single
RabbitMQ node and on a private 3-node cluster, one after the other in the same run, with
1, 2 and 4 ratings consumer processes. Each node kind gets its own raw pika baseline,
and each role's CPU time (consumers, relay, broker nodes, database backends) is read
from /proc, for sizing on other machines. Not a test: it prints tables. About 6 minutes
on a busy 2-core machine, most of it booting nodes and starting processes.

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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.common import cpu_seconds, database, group_pids, percentile, table
from bench.pipeline import baseline, e2e_throughput, latencies, purge, reset, seed
from contracts.topology import node_urls
from models.core.config import Config
from models.core.db import Database
from tests.support.processes import Processes
from tests.support.rabbit_nodes import (
    RabbitNode,
    node_list_url,
    rabbit_nodes,
    rabbitmq_installed,
)

N_BASELINE = 10_000  # pipeline.py: 50,000 and 20,000; fewer keeps a run near 5 minutes
N_E2E = 5_000
WARM_UP = 500  # events through fresh consumer processes before the measured backlog
CONSUMERS = (1, 2, 4)
RATE = 200  # events/s offered for the latency figures, one event per transaction
SECONDS = 4.0
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


@dataclass
class Row:
    consumers: int
    rate: float  # end-to-end events/s
    ratio: float  # to the baseline on the same node kind
    per_cpu_s: dict[str, float]  # events per CPU-second: consume, relay, broker, database
    p50_ms: float
    p99_ms: float


def backend_pids(db: Database) -> set[int]:
    """The PostgreSQL backends serving this run's database (the pools keep them)."""
    with db.engine.connect() as conn:
        return set(conn.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))


def cpu_by_role(procs: Processes, nodes: list[RabbitNode], backends: set[int]
                ) -> dict[str, float]:
    """CPU seconds used so far by the relay, by all consumer processes, by all nodes and
    by the database backends `backends`."""
    def of(role: str) -> float:
        return cpu_seconds(p.popen.pid for p in procs.procs if p.args[0] == role)

    return {"consume": of("consume"), "relay": of("relay"),
            "broker": cpu_seconds(pid for n in nodes for pid in group_pids(n.process.pid)),
            "database": cpu_seconds(backends)}


def measure(db: Database, env: dict[str, str], nodes: list[RabbitNode], log_dir: Path
            ) -> tuple[float, list[Row]]:
    """The baseline on env's broker, then per consumer count: end-to-end events/s from a
    backlog of N_E2E (warm processes), events per CPU-second of the consumers, of the
    relay and of the broker nodes in that run, and latencies at RATE events/s."""
    base = baseline(env["AMQP_URL"], n=N_BASELINE)
    purge(env["AMQP_URL"])
    rows = []
    for n in CONSUMERS:
        procs = SpreadProcesses(env, log_dir)
        try:
            procs.start("relay", ready="relay running")
            e2e_throughput(db, procs, n, n=WARM_UP)  # starts the consumers; warms them up
            reset(db)
            backends = backend_pids(db)
            before = cpu_by_role(procs, nodes, backends)
            rate = e2e_throughput(db, procs, 0, n=N_E2E)  # the consumers already run
            after = cpu_by_role(procs, nodes, backends | backend_pids(db))
            reset(db)
            values = latencies(db, RATE, seconds=SECONDS)
        finally:
            procs.stop_all()
        reset(db)
        rows.append(Row(n, rate, rate / base,
                        {r: N_E2E / max(after[r] - before[r], 1e-9) for r in after},
                        percentile(values, 50), percentile(values, 99)))
    return base, rows


def main() -> None:
    if not rabbitmq_installed():
        print("rabbitmq-server is not installed: nothing to measure")
        return
    print(f"N: baseline {N_BASELINE:,} messages, end to end {N_E2E:,} events per row, "
          f"latency {RATE} events/s for {SECONDS:.0f} s per row", flush=True)
    log_dir = Path("var", "bench-logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, tuple[float, float, list[Row]]] = {}
    with database() as db_url, tempfile.TemporaryDirectory() as base_dir:
        db = Database(Config(database_url=db_url), pool_size=8)
        seed(db)
        for kind, count in KINDS:
            started = time.perf_counter()
            with rabbit_nodes(count, Path(base_dir) / f"nodes{count}") as nodes:
                boot = time.perf_counter() - started
                env = {"DATABASE_URL": db_url, "AMQP_URL": node_list_url(nodes),
                       "SECRET_KEY": secrets.token_urlsafe(48), "LOG_LEVEL": "INFO"}
                results[kind] = (boot, *measure(db, env, nodes, log_dir))
            print(f"{kind}: measured", flush=True)
        db.dispose()
    report(results)


def report(results: dict[str, tuple[float, float, list[Row]]]) -> None:
    table("Raw pika baseline per node kind (pipelined confirms -> quorum queue -> consumer)",
          ["node kind", "boot s", "messages/s"],
          [[kind, boot, base] for kind, (boot, base, _) in results.items()])
    rows = [(kind, r) for kind, (_, _, rs) in results.items() for r in rs]
    table(f"End to end (commit -> average updated) and latency at {RATE} events/s offered "
          "(ms, commit -> applied)",
          ["node kind", "consumers", "events/s", "ratio to baseline", "p50", "p99"],
          [[kind, r.consumers, r.rate, r.ratio, r.p50_ms, r.p99_ms] for kind, r in rows])
    roles = ("consume", "relay", "broker", "database")
    table("Events per CPU-second in the end-to-end run (consumer processes together, the "
          "relay, broker nodes together, this database's PostgreSQL backends, the "
          "bench's own 500-event transactions included)",
          ["node kind", "consumers", *(f"{role} CPU" for role in roles)],
          [[kind, r.consumers, *(r.per_cpu_s[k] for k in roles)] for kind, r in rows])
    print(json.dumps({kind: {"baseline": round(base),
                             "e2e": {r.consumers: round(r.rate) for r in rs},
                             "p99_ms": {r.consumers: round(r.p99_ms, 1) for r in rs},
                             "per_cpu_s": {r.consumers: {k: round(v) for k, v in
                                                         r.per_cpu_s.items()} for r in rs}}
                      for kind, (_, base, rs) in results.items()}))


if __name__ == "__main__":
    main()
