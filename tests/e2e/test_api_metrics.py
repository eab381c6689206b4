"""`venuebus api` under gunicorn: every worker's requests are counted once on the metrics
port (prometheus multiprocess mode), a dead worker's counts stay, a restart starts from
zero, and the public port answers 404 for /metrics."""

from __future__ import annotations

import os
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.http import answers
from tests.support.processes import free_port, wait_until

pytestmark = pytest.mark.slow


def counted(metrics_url: str, endpoint: str = "health.healthz") -> float:
    text = requests.get(metrics_url, timeout=5).text
    return sum(s.value for family in text_string_to_metric_families(text)
               for s in family.samples if s.name == "venuebus_http_requests_total"
               and s.labels["endpoint"] == endpoint and s.labels["method"] == "GET")


def worker_pids(folder: Path) -> set[int]:
    """Workers that counted a request: each writes counter_<pid>.db."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("counter_*.db")}


def send(url: str, n: int) -> None:
    """`n` GETs, 8 at a time on fresh connections, so the workers share them."""
    with ThreadPoolExecutor(8) as pool:
        assert all(r.status_code == 200 for r in pool.map(
            lambda _: requests.get(url, timeout=10), range(n)))


def start_api(procs, tmp_path: Path):
    port, metrics_port = free_port(), free_port()
    env = {"METRICS_PORT": str(metrics_port), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
           "BASE_URL": f"http://127.0.0.1:{port}"}
    proc = procs.start("api", "--port", str(port), "--workers", "2", ready="listening",
                       env=env)
    api = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{api}/readyz", 200), what="api")
    return proc, api, f"http://127.0.0.1:{metrics_port}/metrics"


def test_requests_served_by_two_workers_are_each_counted_once(procs, tmp_path):
    folder = tmp_path / "prom"
    first, api, metrics = start_api(procs, tmp_path)
    send(f"{api}/healthz", 7)
    assert counted(metrics) == 7
    first.terminate()

    _, api, metrics = start_api(procs, tmp_path)  # same directory: emptied at start
    assert counted(metrics) == 0
    sent = 0
    while len(worker_pids(folder)) < 2 and sent < 400:
        send(f"{api}/healthz", 20)
        sent += 20
    assert len(worker_pids(folder)) == 2, "one worker took every request"
    assert counted(metrics) == sent

    assert requests.get(f"{api}/metrics", timeout=5).status_code == 404  # public port
    assert counted(metrics) == sent  # ... and that 404 was not a healthz

    # a worker killed: gunicorn replaces it, what it counted stays counted
    os.kill(min(worker_pids(folder)), signal.SIGKILL)
    wait_until(lambda: answers(f"{api}/readyz", 200), what="api after a worker died")
    send(f"{api}/healthz", 10)
    assert counted(metrics) == sent + 10


def test_metrics_listen_on_metrics_host_only(procs, tmp_path):
    _, _, metrics = start_api(procs, tmp_path)
    assert "venuebus_outbox_pending" in requests.get(metrics, timeout=5).text
    port = int(metrics.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(requests.ConnectionError):  # 127.0.0.1 only by default
        requests.get(f"http://{_other_address()}:{port}/metrics", timeout=2)


def _other_address() -> str:
    """An address of this machine other than loopback, or skip."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing address
        except OSError:
            pytest.skip("no non-loopback address")
        address = s.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("no non-loopback address")
    return address
