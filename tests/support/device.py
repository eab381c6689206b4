"""Helpers for the device tests: a recording fake resolver, the states a player or a device
reports, and waiting on the WAV file libvlc writes (growing, still, its loudness)."""

from __future__ import annotations

import array
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from device.resolver import Resolved
from device.state import PlayerState
from tests.support.processes import wait_until

WAV_HEADER = 44


def unprobed(url: str, headers: dict, check) -> str:
    """A YtDlpResolver `follow` for fake extractors whose URLs lead nowhere: the media
    URL is taken as it is (the redirect checks have tests of their own)."""
    return url


class FakeResolver:
    """Resolves a query that is already a URL to itself (a fresh resolution to a new URL,
    `?fresh=N`, as a real stream URL changes); records (query, fresh)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def resolve(self, query: str, *, fresh: bool = False) -> Resolved:
        self.calls.append((query, fresh))
        url = f"{query}?fresh={len(self.calls)}" if fresh else query
        return Resolved(query=query, url=url, title=query.rsplit("/", 1)[-1],
                        duration_s=None, expires_at=time.time() + 3600)


class StateLog:
    """The on_state callback of a player: keeps every published state."""

    def __init__(self) -> None:
        self.states: list[PlayerState] = []
        self._cond = threading.Condition()

    def __call__(self, state: PlayerState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    @property
    def last(self) -> PlayerState:
        return self.states[-1]

    def wait(self, predicate: Callable[[PlayerState], bool], timeout: float = 10) -> PlayerState:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for state in reversed(self.states):
                    if predicate(state):
                        return state
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such state within {timeout}s; last: "
                                         f"{self.states[-1] if self.states else None}")
                self._cond.wait(left)

    def statuses(self) -> list[str]:
        out: list[str] = []
        for s in self.states:
            if not out or out[-1] != s.status:
                out.append(s.status)
        return out


def size(path: Path) -> int:
    return os.path.getsize(path) if os.path.exists(path) else 0


def wait_growing(path: Path, by: int = 44_100, timeout: float = 10) -> int:
    """Wait until `path` has grown `by` bytes past its present size (a quarter second of
    44.1 kHz stereo s16 by default): audio is being written. Returns the new size."""
    target = size(path) + by
    wait_until(lambda: size(path) >= target, timeout, interval=0.02,
               what=lambda: f"{path.name} to grow to {target} bytes (at {size(path)})")
    return size(path)


def wait_still(path: Path, quiet: float = 0.5, timeout: float = 5) -> int:
    """Wait until `path` has not changed size for `quiet` seconds (while playing, libvlc's
    afile output writes a buffer every few tens of ms): no audio is being written.
    Raises AssertionError if it is still growing at `timeout`. Returns the size."""
    deadline = time.monotonic() + timeout
    last, since = size(path), time.monotonic()
    while True:
        time.sleep(0.02)
        now, current = time.monotonic(), size(path)
        if current != last:
            last, since = current, now
        elif now - since >= quiet:
            return current
        if now > deadline:
            raise AssertionError(f"{path.name} still growing after {timeout}s (at {current})")


def rms(path: Path, start: int = WAV_HEADER, end: int | None = None) -> float:
    """Root mean square of the signed 16-bit samples in bytes [start, end) of the file."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read() if end is None else f.read(max(0, end - start))
    samples = array.array("h", data[: len(data) // 2 * 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def recent_rms(path: Path, span: int = 44_100) -> float:
    """RMS of the last `span` bytes written (whole stereo s16 frames)."""
    end = WAV_HEADER + (size(path) - WAV_HEADER) // 4 * 4
    return rms(path, max(WAV_HEADER, end - span // 4 * 4), end)


def close_broker_connections(vhost: str, connection_name: str) -> int:
    """Close (as an operator would) the connections named `connection_name` in `vhost`
    only; other engineers share the broker. Returns how many were closed."""
    import json

    from tests.support.services import rabbitmqctl

    listed = rabbitmqctl("list_connections", "name", "vhost", "client_properties",
                         "--formatter", "json", "-q").stdout
    names = set()
    for conn in json.loads(listed or "[]"):
        props = {p[0]: p[2] for p in conn.get("client_properties", [])}
        if conn.get("vhost") == vhost and props.get("connection_name") == connection_name:
            names.add(conn["name"])
    # the JSON formatter abbreviates pids; the table one gives what close_connection takes
    table = rabbitmqctl("list_connections", "pid", "name", "-q").stdout.splitlines()
    pids = [line.split("\t")[0] for line in table[1:] if line.split("\t", 1)[-1] in names]
    for pid in pids:
        rabbitmqctl("close_connection", pid, "test: broker loss")
    return len(pids)


def declare_command_queue(channel, device_id: str, ttl_ms: int | None = None) -> None:
    """The device's queue, declared and bound as the backend's provisioner does (the agent
    only declares it passively); `ttl_ms` overrides the command TTL."""
    from contracts.speakers import COMMAND_QUEUE_ARGUMENTS, command_keys, command_queue
    from contracts.topology import EXCHANGE

    arguments = dict(COMMAND_QUEUE_ARGUMENTS)
    if ttl_ms is not None:
        arguments["x-message-ttl"] = ttl_ms
    channel.queue_declare(command_queue(device_id), durable=True, arguments=arguments)
    for key in command_keys(device_id):
        channel.queue_bind(command_queue(device_id), EXCHANGE, routing_key=key)


class BrokerPeer:
    """The API's side of the wire in tests: publishes commands as the relay does (the
    CloudEvents envelope of the contract class) and collects the states a device reports."""

    def __init__(self, amqp_url: str, device_id: str) -> None:
        import pika

        from bus.connection import connection_parameters
        from contracts.topology import EXCHANGE

        self._pika = pika
        self.exchange = EXCHANGE
        self.conn = pika.BlockingConnection(connection_parameters(amqp_url, name="test-peer"))
        self.ch = self.conn.channel()
        self.ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
        declare_command_queue(self.ch, device_id)
        self.queue = self.ch.queue_declare("", exclusive=True).method.queue
        self.ch.queue_bind(self.queue, EXCHANGE, routing_key=f"speaker.{device_id}.state")
        self.states: list[dict] = []

    def send(self, event) -> None:
        from contracts.envelope import CONTENT_TYPE, dumps, envelope

        doc = envelope(event)
        self.ch.basic_publish(self.exchange, event.key(), dumps(doc).encode(),
                              self._pika.BasicProperties(message_id=doc["id"],
                                                         type=doc["type"], delivery_mode=2,
                                                         content_type=CONTENT_TYPE))

    def collect(self) -> list[dict]:
        import json

        while True:
            method, _, body = self.ch.basic_get(self.queue, auto_ack=True)
            if method is None:
                return self.states
            self.states.append(json.loads(body)["data"])

    def wait_state(self, predicate: Callable[[dict], bool], timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            states = self.collect()
            for state in states[seen:]:
                if predicate(state):
                    return state
            seen = len(states)
            self.conn.sleep(0.05)
        raise AssertionError(f"no such state within {timeout}s; last: "
                             f"{self.states[-1] if self.states else None}")

    def close(self) -> None:
        if self.conn.is_open:
            self.conn.close()
