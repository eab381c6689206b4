"""Publishing with pipelined publisher confirms: a whole batch is in flight at once and
`publish` returns when the broker has confirmed every message of it. One blocking
confirm per message caps at a few hundred msg/s; a window does not."""

from __future__ import annotations

import collections
import logging
import threading
from dataclasses import dataclass, field

import pika
from pika import spec
from pika.adapters.select_connection import SelectConnection
from pika.exceptions import ChannelClosedByClient

from contracts.topology import EXCHANGE, bound
from producers.broker import connection_parameters

log = logging.getLogger("venuebus.publisher")


class PublishFailed(RuntimeError):
    """The broker did not confirm the batch (nack, connection loss or timeout)."""


@dataclass(frozen=True)
class Outgoing:
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


@dataclass(eq=False)  # identity: batches are tracked in sets
class Pending:
    """Messages handed to the broker whose confirms are awaited."""

    size: int
    done: threading.Event = field(default_factory=threading.Event)
    confirmed: int = 0
    error: str | None = None
    answered: set[str] = field(default_factory=set)  # message ids the broker answered
    refused: set[str] = field(default_factory=set)  # ... with a nack or a return

    def settle(self, ok: bool, message_id: str = "") -> None:
        self.confirmed += 1
        if message_id:
            self.answered.add(message_id)
        if not ok:
            self.error = self.error or "broker nacked a message"
            if message_id:
                self.refused.add(message_id)
        if self.confirmed >= self.size:
            self.done.set()

    def fail(self, reason: str) -> None:
        self.error = self.error or reason
        self.done.set()


class ConfirmingPublisher:
    """One connection and channel in confirm mode, driven by its own I/O thread."""

    def __init__(self, amqp_url: str, *, name: str = "venuebus-relay") -> None:
        self._params = connection_parameters(amqp_url, name=name)
        self._ready = threading.Event()
        self._conn: SelectConnection | None = None
        self._channel = None
        self._thread: threading.Thread | None = None
        self._tag = 0
        self._pending: dict[int, Pending] = {}
        self._order: collections.deque[int] = collections.deque()
        self._in_flight: dict[str, Pending] = {}  # message id -> batch, until confirmed
        self._tag_ids: dict[int, str] = {}
        self._open_error: str | None = None
        self.returned = 0  # unroutable messages (no queue bound to their key)

    @property
    def connected(self) -> bool:
        return self._ready.is_set() and self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15) -> bool:
        """Connect (in the I/O thread); raises PublishFailed when the broker is unreachable.
        True when this call made a new connection."""
        if self.connected:
            return False
        self._ready.clear()
        self._open_error = None
        self._thread = threading.Thread(target=self._io, name="publisher-io", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._open_error:
            self.close()
            raise PublishFailed(self._open_error or "timed out connecting to the broker")
        return True

    def publish(self, messages: list[Outgoing], timeout: float = 30) -> None:
        """Publish `messages` (persistent, mandatory) and wait for all their confirms."""
        self.wait(self.publish_async(messages), timeout)

    def publish_async(self, messages: list[Outgoing]) -> Pending:
        """Hand `messages` to the I/O thread; `wait` on the result for their confirms.
        Messages are sent in call order on one channel."""
        if not self.connected or self._conn is None:
            raise PublishFailed("not connected")
        batch = Pending(size=len(messages))
        if not messages:
            batch.done.set()
            return batch
        self._conn.ioloop.add_callback_threadsafe(lambda: self._send(batch, messages))
        return batch

    @staticmethod
    def wait(batch: Pending, timeout: float = 30) -> None:
        """Block until every message of `batch` is confirmed; PublishFailed otherwise."""
        if not batch.done.wait(timeout):
            raise PublishFailed(f"no confirm within {timeout}s")
        if batch.error:
            raise PublishFailed(batch.error)

    def close(self) -> None:
        conn = self._conn
        if conn is not None and self._thread is not None and self._thread.is_alive():
            def _close() -> None:
                if conn.is_open:
                    conn.close()
                else:
                    conn.ioloop.stop()
            try:
                conn.ioloop.add_callback_threadsafe(_close)
            except Exception:  # noqa: BLE001 - the loop is already gone
                pass
            self._thread.join(10)
        self._ready.clear()
        self._conn = self._channel = None

    # --- I/O thread -------------------------------------------------------------------

    def _io(self) -> None:
        self._conn = SelectConnection(self._params, on_open_callback=self._on_open,
                                      on_open_error_callback=self._on_open_error,
                                      on_close_callback=self._on_closed)
        self._conn.ioloop.start()

    def _on_open(self, conn: SelectConnection) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_open_error(self, conn: SelectConnection, err: BaseException) -> None:
        self._open_error = f"cannot connect to the broker: {err!r}"
        self._ready.set()
        conn.ioloop.stop()

    def _on_channel(self, channel) -> None:
        self._channel = channel
        self._tag = 0
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _f: channel.exchange_declare(
            EXCHANGE, exchange_type="topic", durable=True,
            callback=lambda _f: self._ready.set()))

    def _on_channel_closed(self, channel, reason: BaseException) -> None:
        if not isinstance(reason, ChannelClosedByClient):
            log.warning("publisher channel closed: %r", reason)
        self._fail_all(f"channel closed: {reason!r}")
        if self._conn is not None and self._conn.is_open:
            self._conn.close()

    def _on_closed(self, conn: SelectConnection, reason: BaseException) -> None:
        self._ready.clear()
        self._fail_all(f"connection closed: {reason!r}")
        conn.ioloop.stop()

    def _fail_all(self, reason: str) -> None:
        for batch in set(self._pending.values()):
            batch.fail(reason)
        self._pending.clear()
        self._order.clear()
        self._in_flight.clear()
        self._tag_ids.clear()

    def _send(self, batch: Pending, messages: list[Outgoing]) -> None:
        channel = self._channel
        if channel is None or not channel.is_open:
            batch.fail("channel not open")
            return
        for msg in messages:
            self._tag += 1
            self._pending[self._tag] = batch
            self._order.append(self._tag)
            if msg.properties.message_id:
                self._in_flight[msg.properties.message_id] = batch
                self._tag_ids[self._tag] = msg.properties.message_id
            channel.basic_publish(EXCHANGE, msg.routing_key, msg.body, msg.properties,
                                  mandatory=True)

    def _on_confirm(self, frame) -> None:
        method = frame.method
        ok = isinstance(method, spec.Basic.Ack)
        tag = method.delivery_tag
        if method.multiple:
            while self._order and self._order[0] <= tag:
                self._settle(self._order.popleft(), ok)
        else:
            self._settle(tag, ok)
            while self._order and self._order[0] not in self._pending and self._order[0] <= tag:
                self._order.popleft()

    def _settle(self, tag: int, ok: bool) -> None:
        batch = self._pending.pop(tag, None)
        message_id = self._tag_ids.pop(tag, "")
        self._in_flight.pop(message_id, None)
        if batch is not None:
            batch.settle(ok, message_id)

    def _on_return(self, channel, method, props, body) -> None:
        """The broker confirms a returned message right after: for a key a consumer
        queue is bound to, that queue is missing (deleted, not yet declared), and the
        batch fails so its rows stay unpublished. Other keys (a speaker command to a
        device that never connected) are counted and dropped."""
        self.returned += 1
        if bound(method.routing_key):
            batch = self._in_flight.get(props.message_id or "")
            log.warning("message %s (%s) returned: its queue is missing", props.message_id,
                        method.routing_key)
            if batch is not None:
                batch.refused.add(props.message_id)
                batch.fail(f"{method.routing_key} returned: its queue is missing")
            return
        log.warning("unroutable message %s (%s): no queue bound", props.message_id,
                    method.routing_key)
