"""Speaker latency: `python -m bench.speaker [--runs 50]`.

Times, over N runs each, from `POST /v1/speakers/<id>/play` to the agent's `playing`
state and to the first audio frame in its WAV output (cold resolution: a new URL each
run; cached: the same query again), and from `POST /pause` or `/stop` to the state
change. The API and the relay run as processes (gunicorn, PostgreSQL with NOTIFY); the
agent runs in this process so its stages can be timed: API → broker → agent (command
received), resolve (yt-dlp), libvlc start (resolved → playing).

Needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_AMQP_URL or the local ones); makes
its own database and vhost and drops them afterwards. Seed anchor: ~40 s with mpv, ~4 s
with the seed's music server (YouTube). Target on loopback: play → playing p95 ≤ 300 ms
cached, pause/stop → state p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

from bench.common import percentile, services, table
from device.agent import Agent
from device.config import AgentConfig
from device.media_server import MediaServer, make_tone
from device.resolver import YtDlpResolver
from device.state import PlayerState

ROOT = Path(__file__).resolve().parents[1]
JSONAPI = {"Content-Type": "application/vnd.api+json"}


class TimedResolver(YtDlpResolver):
    def __init__(self) -> None:
        super().__init__(allowed_hosts=("127.0.0.1",))  # the bench media server
        self.last: tuple[float, float] = (0.0, 0.0)

    def resolve(self, query: str, *, fresh: bool = False):
        start = time.perf_counter()
        try:
            return super().resolve(query, fresh=fresh)
        finally:
            self.last = (start, time.perf_counter())


class Probe:
    """Timestamps of the agent's command receipts and state changes, by command id."""

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.states: dict[tuple[str, str], float] = {}
        self.cond = threading.Condition()

    def on_state(self, state: PlayerState) -> None:
        with self.cond:
            self.states.setdefault((state.command_id or "", state.status), time.perf_counter())
            self.cond.notify_all()

    def wait(self, command_id: str, status: str, timeout: float = 15) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: (command_id, status) in self.states, timeout):
                raise TimeoutError(f"{status} for {command_id} not seen in {timeout}s")
            return self.states[(command_id, status)]


def start(args: list[str], env: dict[str, str], ready: str, log: Path) -> subprocess.Popen:
    out = open(log, "wb")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT, env={**os.environ, **env,
                                                           "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 30
    while ready not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{args} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    return proc


def report(samples: dict[str, list[float]]) -> None:
    table("speaker latency (ms)", ["measure", "n", "p50", "p95", "max"],
          [[name, len(v), percentile(v, 50) * 1000, percentile(v, 95) * 1000, max(v) * 1000]
           for name, v in samples.items()])


def first_frame(path: Path, since: float, timeout: float = 15) -> float:
    deadline = since + timeout
    while time.perf_counter() < deadline:
        with contextlib.suppress(OSError):
            if path.stat().st_size > 44:  # past the WAV header
                return time.perf_counter()
        time.sleep(0.001)
    raise TimeoutError("no audio frame")


PREFIX = f"bench{uuid.uuid4().hex[:6]}-speaker-"  # broker user names are global


def run(runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp_, services() as (db_url, vhost_url):
        tmp = Path(tmp_)
        make_tone(tmp / "song.wav", 30)
        port = _free_port()
        env = {"DATABASE_URL": db_url, "AMQP_URL": vhost_url, "API_PORT": str(port),
               "SECRET_KEY": secrets.token_urlsafe(48), "LOG_LEVEL": "WARNING",
               "SPEAKER_MEDIA_HOSTS": "127.0.0.1", "SPEAKER_USER_PREFIX": PREFIX,
               "BASE_URL": f"http://127.0.0.1:{port}", "METRICS_PORT": "0"}
        procs = [start(["api", "--workers", "2"], env, "listening", tmp / "api.log"),
                 start(["relay"], env, "relay running", tmp / "relay.log"),
                 start(["consume", "provisioner"], env, "running", tmp / "prov.log")]
        try:
            base = f"http://127.0.0.1:{port}"
            s = requests.Session()
            _wait_http(base + "/healthz")
            # as an operator does (`users create` vouches for the address): registering
            # a speaker needs a verified one
            subprocess.run([sys.executable, "-m", "cli", "users", "create",
                            "bench@example.com", "--password", "password123"],
                           cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                           check=True, capture_output=True)
            token = s.post(base + "/v1/auth/login", json={
                "email": "bench@example.com", "password": "password123"}).json()["access_token"]
            s.headers.update({"Authorization": f"Bearer {token}", **JSONAPI})
            registered = s.post(base + "/v1/speakers", json={"data": {
                "type": "speaker", "attributes": {"name": "bench"}}}).json()["data"]
            speaker, device_url = registered["id"], registered["attributes"]["amqp-url"]
            out = tmp / "out.wav"
            probe, resolver = Probe(), TimedResolver()
            agent = Agent(AgentConfig(device_id=speaker, amqp_url=device_url,
                                      media_hosts=("127.0.0.1",), audio_file=str(out),
                                      state_dir=str(tmp / "dev")),
                          resolver=resolver)
            agent.player._on_state = _tee(agent.player._on_state, probe.on_state)
            on_message = agent.on_message

            def timed_on_message(routing_key: str, body: bytes) -> None:
                import json

                probe.received[json.loads(body)["data"]["command_id"]] = time.perf_counter()
                on_message(routing_key, body)

            agent.on_message = timed_on_message
            with MediaServer(tmp) as media:
                agent.start()
                agent.link.connected.wait(30)

                def command(name: str, **body) -> tuple[str, float]:
                    t0 = time.perf_counter()
                    r = s.post(f"{base}/v1/speakers/{speaker}/{name}", json=body or None)
                    r.raise_for_status()
                    return r.json()["data"]["id"], t0

                def play(kind: str, query: str) -> None:
                    with contextlib.suppress(FileNotFoundError):
                        out.unlink()
                    cid, t0 = command("play", query=query)
                    playing = probe.wait(cid, "playing")
                    frame = first_frame(out, t0)
                    rs, re_ = resolver.last
                    samples[f"play {kind}: POST -> playing"].append(playing - t0)
                    samples[f"play {kind}: POST -> first audio frame"].append(frame - t0)
                    samples[f"play {kind}:   API -> broker -> agent"].append(
                        probe.received[cid] - t0)
                    samples[f"play {kind}:   resolve"].append(re_ - rs)
                    samples[f"play {kind}:   libvlc start (resolved -> playing)"].append(
                        playing - re_)

                def change(name: str, status: str) -> None:
                    cid, t0 = command(name)
                    at = probe.wait(cid, status)
                    samples[f"{name}: POST -> {status}"].append(at - t0)
                    samples[f"{name}:   API -> broker -> agent"].append(probe.received[cid] - t0)

                song = media.url("song.wav")
                play("cached", song)  # warm-up: yt-dlp's first call, the cache
                change("stop", "stopped")
                samples.clear()
                for i in range(runs):
                    play("cold", f"{song}?run={i}")
                    time.sleep(0.2)
                    change("pause", "paused")
                    change("stop", "stopped")
                    play("cached", song)
                    time.sleep(0.2)
                    change("stop", "stopped")
                agent.close()
        finally:
            for p in procs:
                p.terminate()
                p.wait(20)
            _remove_broker_users(vhost_url)
    return samples


def _remove_broker_users(amqp_url: str) -> None:
    """The bench's speaker users (its vhost goes, but users are global on a broker)."""
    from brokerops.admin import BrokerAdmin
    from models.core.config import Config

    admin = BrokerAdmin.from_config(Config(amqp_url=amqp_url))
    for user in admin.call("GET", "users") or []:
        if user["name"].startswith(PREFIX):
            admin.delete_user(user["name"])


def _tee(*callbacks):
    def call(state: PlayerState) -> None:
        for cb in callbacks:
            cb(state)
    return call


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).ok:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv or [])
    report(run(args.runs))


if __name__ == "__main__":
    main(sys.argv[1:])
