"""The agent's broker link: one thread owns the pika connection, consumes the device's own
queue and publishes what other threads hand it. Reconnects with backoff on broker loss.

Written minimally here until the shared broker runtime (consumers/runtime.py) lands on
main; the agent depends only on the `Link` protocol, so that runtime can replace it.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from device.config import EXCHANGE, AgentConfig, connection_parameters

log = logging.getLogger(__name__)

# (routing_key, body, message_id, type)
Outgoing = tuple[str, bytes, str, str]
OnMessage = Callable[[str, bytes], None]  # (routing_key, body); ack follows its return


class Link(Protocol):
    def start(self, on_message: OnMessage) -> None: ...
    def publish(self, routing_key: str, body: bytes, message_id: str, type_: str) -> None: ...
    def close(self, timeout: float = 5.0) -> None: ...


class PikaLink:
    """Declares the topic exchange and the device queue (quorum, single active consumer:
    a second agent for the same device waits as a standby), consumes with manual ack."""

    def __init__(self, config: AgentConfig, *, backoff: tuple[float, float] = (0.5, 15.0),
                 max_pending: int = 100) -> None:
        self._config = config
        self._backoff = backoff
        self._pending: collections.deque[Outgoing] = collections.deque(maxlen=max_pending)
        self._stopping = threading.Event()
        self.connected = threading.Event()
        self.connections = 0  # successful connects, for health and tests
        self._conn = None
        self._thread: threading.Thread | None = None

    def start(self, on_message: OnMessage) -> None:
        self._on_message = on_message
        self._thread = threading.Thread(target=self._run, name="broker-link", daemon=True)
        self._thread.start()

    def publish(self, routing_key: str, body: bytes, message_id: str, type_: str) -> None:
        """Queue a message; sent at once while connected, after reconnecting otherwise
        (only the newest `max_pending` survive an outage). Thread-safe, never blocks."""
        self._pending.append((routing_key, body, message_id, type_))
        conn = self._conn
        if conn is not None:
            try:
                conn.add_callback_threadsafe(self._flush)
            except Exception:  # closing: flushed after the reconnect
                pass

    def close(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        conn = self._conn
        if conn is not None:
            try:
                conn.add_callback_threadsafe(lambda: None)  # wake the loop
            except Exception:
                pass
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        import pika

        delay = self._backoff[0]
        while not self._stopping.is_set():
            try:
                self._session(pika)
                delay = self._backoff[0]
            except (pika.exceptions.AMQPError, OSError) as exc:
                self.connected.clear()
                self._conn = None
                log.warning("broker link lost (%s); reconnecting in %.1fs",
                            type(exc).__name__, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self._backoff[1])

    def _session(self, pika) -> None:
        cfg = self._config
        conn = pika.BlockingConnection(connection_parameters(cfg))
        try:
            ch = conn.channel()
            ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
            ch.queue_declare(cfg.queue, durable=True, arguments={
                "x-queue-type": "quorum", "x-single-active-consumer": True})
            for key in cfg.command_keys():
                ch.queue_bind(cfg.queue, EXCHANGE, routing_key=key)
            ch.basic_qos(prefetch_count=20)
            ch.basic_consume(cfg.queue, self._deliver)
            self._ch, self._conn = ch, conn
            self.connections += 1
            self.connected.set()
            log.info("broker link up: consuming %s", cfg.queue)
            self._flush()
            while not self._stopping.is_set():
                conn.process_data_events(time_limit=1.0)
        finally:
            self._conn = None
            self.connected.clear()
            if conn.is_open:
                try:
                    conn.close()
                except Exception:
                    pass

    def _deliver(self, ch, method, properties, body: bytes) -> None:
        try:
            self._on_message(method.routing_key, body)
        except Exception:  # a bad message is dropped, never redelivered in a loop
            log.exception("command handling failed; dropping it")
        ch.basic_ack(method.delivery_tag)

    def _flush(self) -> None:
        import pika

        while self._pending and self._conn is not None:
            key, body, message_id, type_ = self._pending[0]
            self._ch.basic_publish(EXCHANGE, key, body, pika.BasicProperties(
                message_id=message_id, type=type_, delivery_mode=2,
                content_type="application/cloudevents+json"))
            self._pending.popleft()
