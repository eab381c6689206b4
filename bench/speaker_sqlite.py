"""Speaker latency on the embedded default: `python -m bench speaker_sqlite`, or
`python -m bench.speaker_sqlite [--runs 20] [--idle-seconds 30]`.

What a new user meets after `make run`: in a fresh directory, `venuebus db upgrade`,
`venuebus speakers demo` and `venuebus run` (the supervisor with the API, the relay,
every consumer and the demo speaker agent with real libvlc, file audio output) on the
embedded SQLite file, against the local RabbitMQ (a vhost of the bench's own); the
media comes from a `venuebus device media-server` process of the bench's own (the
supervisor's listens on a fixed port). The bench logs in as the demo user and times,
from the POST of a command to the API's `GET /v1/speakers/<id>` showing its result
(asked as soon as a reader of the SQLite file, polling every 5 ms, sees the state
there: a client polling the API every 10 ms all along would load the two cores it
measures): play → `playing` (cold: a new URL each run; cached: the same one
again) and stop → `stopped`. A queue of the bench's own, bound to `speaker.<id>.*`, and
that reader split the time: API + relay (the command on the broker),
the agent (its state on the broker; POST to there is what bench/speaker.py measures on
PostgreSQL), the speakers consumer (the state in SQLite) and the API's read.

Before the commands it measures the CPU every supervised process uses while the system
sits idle (`--idle-seconds`), the relay's above all: it watches SQLite for commits.
Targets (issue #16): play → playing p95 ≤ 150 ms, stop → stopped p95 ≤ 100 ms, as the
API shows them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import pika
import requests

from bench.common import percentile, table
from bench.speaker import PREFIX, _free_port, _remove_broker_users, _wait_http
from contracts.topology import EXCHANGE
from device.media_server import make_tone
from tests.support.services import fresh_vhost, rabbitmq_server

ROOT = Path(__file__).resolve().parents[1]
TARGETS_MS = {"play": 150.0, "stop": 100.0}  # p95, by command
POLL_S = 0.01


class Tap:
    """Arrival times of the speaker's commands and states on the broker, by command id."""

    def __init__(self, amqp_url: str, speaker_id: str) -> None:
        self.seen: dict[tuple[str, str], float] = {}  # (command id, kind) -> time
        self._conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
        channel = self._conn.channel()
        name = channel.queue_declare("", exclusive=True).method.queue
        channel.queue_bind(name, EXCHANGE, routing_key=f"speaker.{speaker_id}.*")
        channel.basic_consume(name, self._on_message, auto_ack=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tap")
        self._thread.start()

    def _on_message(self, _channel, method, _props, body: bytes) -> None:
        at = time.perf_counter()
        data = json.loads(body).get("data") or {}
        kind = "state:" + str(data.get("status")) if method.routing_key.endswith(
            ".state") else "command"
        self.seen.setdefault((str(data.get("command_id")), kind), at)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._conn.process_data_events(time_limit=0.05)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with contextlib.suppress(Exception):
            self._conn.close()


class Stored:
    """When the speakers consumer's row shows a state, read from the SQLite file itself
    every 5 ms (WAL: a reader never holds up the writers)."""

    def __init__(self, path: Path, speaker_id: str) -> None:
        self.seen: dict[tuple[str, str], float] = {}  # (command id, status) -> time
        self._path, self._speaker = path, int(speaker_id)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="stored")
        self._thread.start()

    def _run(self) -> None:
        db = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)
        while not self._stop.wait(0.005):
            row = db.execute("SELECT state FROM speakers WHERE id = ?",
                             (self._speaker,)).fetchone()
            state = json.loads(row[0]) if row and row[0] else {}
            key = (str(state.get("command_id")), str(state.get("status")))
            self.seen.setdefault(key, time.perf_counter())
        db.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def cli(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"venuebus {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out += [int(child), *descendants(int(child))]
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def process_name(pid: int) -> str:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    words = [a.decode() for a in args if a]
    if "cli" in words:  # python -m cli <command> [<name>]
        rest = words[words.index("cli") + 1:]
        return " ".join(w for w in rest[:2] if not w.startswith("-"))
    return Path(words[0]).name if words else str(pid)


def idle_cpu(supervisor: int, seconds: float) -> list[list[object]]:
    """Per supervised process: % of one core used over `seconds` of idling."""
    pids = descendants(supervisor)
    before = {p: cpu_seconds(p) for p in pids}
    time.sleep(seconds)
    rows = []
    for p in pids:
        with contextlib.suppress(FileNotFoundError):
            rows.append([process_name(p), 100 * (cpu_seconds(p) - before[p]) / seconds])
    return sorted(rows, key=lambda r: str(r[0]))


def demo_password(output: str) -> str:
    found = re.search(r"password \(shown once\): (\S+)", output)
    if not found:
        raise RuntimeError(f"no demo password in: {output}")
    return found.group(1)


def run(runs: int, idle_seconds: float) -> tuple[dict[str, list[float]], list[list[object]]]:
    samples: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp_, rabbitmq_server() as server, \
            fresh_vhost(server) as amqp_url:
        tmp = Path(tmp_)
        (tmp / "media").mkdir()
        make_tone(tmp / "media" / "song.wav", 30)
        port, media_port = _free_port(), _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_URL")}
        env.update({"AMQP_URL": amqp_url, "API_PORT": str(port), "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT),
                    "SPEAKER_MEDIA_HOSTS": f"127.0.0.1:{media_port}",
                    "SPEAKER_USER_PREFIX": PREFIX})
        cli(["db", "upgrade"], tmp, env)  # the embedded default: ./var/venuebus.db
        password = demo_password(cli(["speakers", "demo"], tmp, env))
        log = open(tmp / "run.log", "wb")  # noqa: SIM115 - closed below
        supervisor = subprocess.Popen([sys.executable, "-m", "cli", "run"], cwd=tmp, env=env,
                                      stdout=log, stderr=subprocess.STDOUT)
        # a process of its own, as the supervisor's media server (whose port is fixed)
        media = subprocess.Popen([sys.executable, "-m", "cli", "device", "media-server",
                                  "--dir", "media", "--port", str(media_port), "--no-demo"],
                                 cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.STDOUT)
        tap, measured_from = None, 0
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_http(base + "/healthz", timeout=120)  # 15 processes start at once
            s = requests.Session()
            token = s.post(base + "/v1/auth/login", json={
                "email": "demo@venuebus.local", "password": password}).json()["access_token"]
            s.headers["Authorization"] = f"Bearer {token}"
            speaker = json.loads((tmp / "var/device/agent.json").read_text())["device_id"]
            tap = Tap(amqp_url, speaker)
            stored = Stored(tmp / "var/venuebus.db", speaker)

            def shown() -> dict:
                return s.get(f"{base}/v1/speakers/{speaker}").json()["data"]["attributes"]

            def until(check, timeout: float = 60, stored_as: tuple | None = None) -> float:
                """When the API shows `check`. With `stored_as` (command id, status) it is
                asked only once the SQLite reader saw that state: a client polling every
                10 ms all along would load the two cores it measures."""
                deadline = time.perf_counter() + timeout
                while time.perf_counter() < deadline:
                    if stored_as is not None and stored_as not in stored.seen:
                        time.sleep(0.002)
                        continue
                    if check(shown()):
                        return time.perf_counter()
                    time.sleep(POLL_S)
                tail = (tmp / "run.log").read_text(errors="replace")[-3000:]
                raise TimeoutError(f"not seen in {timeout}s; the supervisor said:\n{tail}")

            until(lambda a: a["online"], timeout=90)  # the provisioner made its broker user
            measured_from = (tmp / "run.log").stat().st_size  # the log of the measurement
            song = f"http://127.0.0.1:{media_port}/song.wav"

            def command(kind: str, name: str, status: str, query: str | None = None):
                t0 = time.perf_counter()
                r = s.post(f"{base}/v1/speakers/{speaker}/{name}",
                           json={"query": query} if query else None)
                r.raise_for_status()
                cid = r.json()["data"]["id"]
                at = until(lambda a: a["status"] == status
                           and (query is None or a["query"] == query), stored_as=(cid, status))
                samples[f"{kind}: POST -> {status} (API)"].append(at - t0)
                sent = tap.seen.get((cid, "command"))
                state = tap.seen.get((cid, f"state:{status}"))
                kept = stored.seen.get((cid, status))
                if sent and state and kept:
                    samples[f"{kind}:   POST -> state on broker (bench/speaker.py's measure)"
                            ].append(state - t0)
                    samples[f"{kind}:   API + relay -> command on broker"].append(sent - t0)
                    samples[f"{kind}:   agent -> state on broker"].append(state - sent)
                    samples[f"{kind}:   speakers consumer -> state in SQLite"].append(
                        kept - state)
                    samples[f"{kind}:   API read (asked once stored)"].append(at - kept)

            command("warm-up", "play", "playing", song)
            command("warm-up", "stop", "stopped")
            samples.clear()
            cpu = idle_cpu(supervisor.pid, idle_seconds) if idle_seconds else []
            for i in range(runs):
                command("play cold", "play", "playing", f"{song}?run={i}")
                time.sleep(0.2)
                command("stop", "stop", "stopped")
                command("play cached", "play", "playing", song)
                time.sleep(0.2)
                command("stop", "stop", "stopped")
        finally:
            if tap is not None:
                tap.close()
                stored.close()
            media.terminate()
            supervisor.send_signal(signal.SIGTERM)
            try:
                supervisor.wait(60)
            except subprocess.TimeoutExpired:
                supervisor.kill()
            log.close()
            _remove_broker_users(amqp_url)
            with open(tmp / "run.log", "rb") as f:
                f.seek(measured_from)
                logged = f.read().decode(errors="replace").splitlines()
            troubles = [line for line in logged
                        if '"level":"WARNING"' in line or '"level":"ERROR"' in line]
    print(f"\nwhile measured, the processes logged {len(troubles)} warnings or errors",
          *troubles[:10], sep="\n  ")
    return samples, cpu


def report(samples: dict[str, list[float]], cpu: list[list[object]], idle: float) -> None:
    rows = []
    for name, v in samples.items():
        target = next((t for kind, t in TARGETS_MS.items() if name.startswith(kind)
                       and "(API)" in name), None)
        p95 = percentile(v, 95) * 1000
        mark = "" if target is None else f"≤ {target:.0f}  {'PASS' if p95 <= target else 'FAIL'}"
        rows.append([name, len(v), percentile(v, 50) * 1000, p95, max(v) * 1000, mark])
    table("speaker latency on the embedded SQLite default (ms)",
          ["measure", "n", "p50", "p95", "max", "p95 target"], rows)
    if cpu:
        table(f"idle CPU over {idle:.0f} s (% of one core)", ["process", "cpu %"], cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args(argv or [])
    samples, cpu = run(args.runs, args.idle_seconds)
    report(samples, cpu, args.idle_seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
