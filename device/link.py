"""The agent's broker link. Commands come through the shared consume runtime
(`bus.consume.ConsumerLoop`: manual ack after the work, reconnect with backoff);
states go out through a small publisher thread with its own connection, so a slow or
lost command connection never holds up a state report and vice versa. Connection
settings come from `bus.connection.connection_parameters`, the system's one place.

The device may configure nothing on the broker (its user `speaker-<id>` has no configure
right): the backend declares and binds its queue, the agent only checks it passively and
waits, reconnecting, until it exists. Every state carries the AMQP `user_id` of the
device's broker user; the broker refuses a user_id that is not the connection's own.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from bus.backoff import Backoff
from bus.connection import connection_parameters
from bus.consume import ConsumerLoop, Delivery, LoopSettings, Outcome
from bus.messages import properties
from contracts.topology import EXCHANGE
from device.config import AgentConfig

log = logging.getLogger(__name__)

OnMessage = Callable[[str, bytes], None]  # (routing_key, body); ack follows its return
ACK = Outcome("ack")


class Link(Protocol):
    connected: threading.Event

    def start(self, on_message: OnMessage) -> None: ...
    def publish(self, routing_key: str, body: bytes, message_id: str, type_: str) -> None: ...
    def close(self, timeout: float = 5.0) -> None: ...


class StatePublisher:
    """One thread, one connection: publishes what other threads hand it, reconnecting
    with backoff. While disconnected only the newest `max_pending` messages are kept
    (states supersede each other)."""

    def __init__(self, amqp_url: str, name: str, *, backoff: tuple[float, float] = (0.5, 10.0),
                 max_pending: int = 50) -> None:
        self._params = connection_parameters(amqp_url, name=name)
        self._user_id = self._params[0].credentials.username
        self._backoff = backoff
        self._pending: collections.deque[tuple[str, bytes, str, str]] = collections.deque(
            maxlen=max_pending)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-publisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def publish(self, routing_key: str, body: bytes, message_id: str, type_: str) -> None:
        """Thread-safe, never blocks."""
        self._pending.append((routing_key, body, message_id, type_))
        self._wake.set()

    def close(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import pika

        backoff = Backoff(self._stopping, *self._backoff)
        while not self._stopping.is_set():
            try:
                with pika.BlockingConnection(self._params) as conn:
                    channel = conn.channel()
                    self.connected.set()
                    backoff.reset()
                    self._pump(conn, channel)
            except (pika.exceptions.AMQPError, OSError) as exc:
                log.warning("state publisher lost the broker (%r); retry in %.1fs", exc,
                            backoff.delay)
                backoff.wait()
            finally:
                self.connected.clear()

    def _pump(self, conn, channel) -> None:
        while True:
            while self._pending:
                key, body, message_id, type_ = self._pending[0]
                props = properties(message_id, type_)
                props.user_id = self._user_id  # validated by the broker
                channel.basic_publish(EXCHANGE, key, body, props)
                self._pending.popleft()
            if self._stopping.is_set():
                return
            self._wake.wait(1.0)  # heartbeats: the loop below keeps the connection served
            self._wake.clear()
            conn.process_data_events(time_limit=0)


class RuntimeLink:
    """Consumes the device's own queue with the shared runtime. The queue is a quorum
    queue with a single active consumer: a second agent for the device waits as standby."""

    def __init__(self, config: AgentConfig) -> None:
        self._config = config
        self.connections = 0  # (re)connects of the command connection
        self._loop = ConsumerLoop(config.amqp_url, LoopSettings(
            queue=config.queue, prefetch=20, max_batch=20, drain_deadline=5.0,
            declare=self._declare, name=f"venuebus-speaker-{config.device_id}"), self._work)
        self.connected = self._loop.connected
        self.states = StatePublisher(config.amqp_url,
                                     name=f"venuebus-speaker-{config.device_id}-state")
        self._thread = threading.Thread(target=self._loop.run, name="commands", daemon=True)

    def start(self, on_message: OnMessage) -> None:
        self._on_message = on_message
        self.states.start()
        self._thread.start()

    def publish(self, routing_key: str, body: bytes, message_id: str, type_: str) -> None:
        self.states.publish(routing_key, body, message_id, type_)

    def close(self, timeout: float = 5.0) -> None:
        self._loop.stop()
        self._thread.join(timeout)
        self.states.close(timeout)

    def _declare(self, channel) -> None:
        # passive: a queue the backend has not declared yet closes the channel, and the
        # runtime reconnects with backoff until the provisioner has run
        channel.queue_declare(self._config.queue, passive=True)
        self.connections += 1

    def _work(self, batch: list[Delivery]) -> list[Outcome]:
        for delivery in batch:
            try:
                self._on_message(delivery.routing_key, delivery.body)
            except Exception:  # a command that breaks the agent is dropped, not retried
                log.exception("command %s failed; dropped", delivery.message_id)
        return [ACK] * len(batch)
