"""bench/cluster.py's accounting: consumers spread over the nodes, and CPU read from
/proc counts what a process really used."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.cluster import rotated
from bench.common import cpu_seconds, group_pids

NODES = "amqp://g:g@127.0.0.1:1/v,amqp://g:g@127.0.0.1:2/v,amqp://g:g@127.0.0.1:3/v"


def ports(url: str) -> list[str]:
    return [u.rsplit(":", 1)[1].split("/")[0] for u in url.split(",")]


def test_consumer_k_lists_node_k_plus_one_first_and_keeps_every_node():
    assert ports(rotated(NODES, 1)) == ["2", "3", "1"]
    assert ports(rotated(NODES, 2)) == ["3", "1", "2"]
    assert ports(rotated(NODES, 4)) == ["2", "3", "1"]  # the fourth wraps round
    assert rotated("amqp://g:g@127.0.0.1:1/v", 3) == "amqp://g:g@127.0.0.1:1/v"


def test_cpu_seconds_count_a_busy_child_and_not_a_sleeping_one():
    burn = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
    busy = subprocess.Popen([sys.executable, "-c", burn + "\ntime.sleep(30)"],
                            start_new_session=True)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds([busy.pid]) < 0.6 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cpu_seconds([busy.pid]) >= 0.6
        assert cpu_seconds([idle.pid]) < 0.5  # an interpreter's start, no more
        assert group_pids(busy.pid) == [busy.pid]  # its own session and group
        assert os.getpid() not in group_pids(busy.pid)
    finally:
        for p in (busy, idle):
            p.kill()
            p.wait(10)
    assert cpu_seconds([busy.pid]) == 0  # gone: nothing to count
