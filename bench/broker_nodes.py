"""Private RabbitMQ nodes of the fault tests (tests/support/rabbit_nodes.py): how long a
node takes to boot, to come back from stop_app and from SIGKILL, and what a 3-node
cluster costs. Not a test: it prints a table.

    python -m bench broker_nodes
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import group_pids, table
from tests.support.rabbit_nodes import RabbitNode, rabbit_nodes, rabbitmq_installed


def _rss_mb(node: RabbitNode) -> float:
    """Resident memory of the node's process group (script, VM and helpers)."""
    total = 0
    for pid in group_pids(node.process.pid):
        try:
            rss = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if x.startswith("VmRSS:"))
            total += int(rss.split()[1])
        except (OSError, ValueError, StopIteration):
            continue
    return total / 1024


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    if not rabbitmq_installed():
        print("rabbitmq-server is not installed: nothing to measure")
        return
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as base:
        started = time.perf_counter()
        with rabbit_nodes(1, Path(base) / "one") as (node,):
            rows.append(["1 node: first boot", time.perf_counter() - started, _rss_mb(node)])
            rows.append(["stop_app -> start_app -> AMQP accepted",
                         _timed(lambda: (node.stop_app(), node.start_app())), _rss_mb(node)])
            rows.append(["SIGKILL -> boot on its data -> AMQP accepted",
                         _timed(node.restart), _rss_mb(node)])
        started = time.perf_counter()
        with rabbit_nodes(3, Path(base) / "three") as nodes:
            rows.append(["3 nodes: boot and cluster (classic_config)",
                         time.perf_counter() - started, sum(_rss_mb(n) for n in nodes)])
    table("Private RabbitMQ nodes (this machine, one run)", ["what", "seconds", "RSS MB"], rows)


if __name__ == "__main__":
    main()
