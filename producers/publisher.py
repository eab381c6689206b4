"""Publishing with pipelined publisher confirms: a whole batch is in flight at once and
`publish` returns when the broker has confirmed every message of it. One blocking
confirm per message caps at a few hundred msg/s; a window does not.

The connection goes to the first node of AMQP_URL's list that answers. A nacked message
is sent again on a new channel (up to NACK_RESENDS times): on RabbitMQ 3.10 a channel
whose publish met a quorum queue's dead leader nacks everything after it, and a new
channel reaches the new leader once one is elected. A copy that did land as well is a
duplicate the consumers' tracking drops."""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pika
from pika import spec
from pika.adapters.select_connection import IOLoop, SelectConnection
from pika.exceptions import ChannelClosedByClient

from bus.connection import connection_parameters
from contracts.topology import EXCHANGE, bound

log = logging.getLogger("venuebus.publisher")
# pauses before each resend of a nacked message on a new channel: a quorum queue elects
# a new leader about 0.6 s after its node died, longer on a loaded machine
NACK_RESENDS = (0.2, 0.5, 1.0, 2.0)


class PublishFailed(RuntimeError):
    """The broker did not confirm the batch (nack, connection loss or timeout)."""


@dataclass(frozen=True)
class Outgoing:
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


@dataclass(eq=False)
class _Sent:
    """One message handed to the channel; `seq` orders resends as first sent."""

    seq: int
    msg: Outgoing
    batch: Pending
    nacks: int = 0


@dataclass(eq=False)  # identity: batches are tracked in sets
class Pending:
    """Messages handed to the broker whose confirms are awaited."""

    size: int
    done: threading.Event = field(default_factory=threading.Event)
    confirmed: int = 0
    error: str | None = None
    answered: set[str] = field(default_factory=set)  # message ids the broker answered
    refused: set[str] = field(default_factory=set)  # ... with a nack or a return
    # called (in the I/O thread) once `done` is set: lets a waiter select on a pipe
    on_done: Callable[[], None] | None = None
    sent_at: float = 0.0  # wall-clock times: handed to the channel, settled
    done_at: float = 0.0

    def settle(self, ok: bool, message_id: str = "") -> None:
        self.confirmed += 1
        if message_id:
            self.answered.add(message_id)
        if not ok:
            self.error = self.error or "broker nacked a message"
            if message_id:
                self.refused.add(message_id)
        if self.confirmed >= self.size:
            self._finish()

    def fail(self, reason: str) -> None:
        self.error = self.error or reason
        self._finish()

    def _finish(self) -> None:
        self.done_at = self.done_at or time.time()
        self.done.set()
        if self.on_done is not None:
            self.on_done()


class ConfirmingPublisher:
    """One connection and channel in confirm mode, driven by its own I/O thread."""

    def __init__(self, amqp_url: str, *, name: str = "venuebus-relay") -> None:
        self._params = connection_parameters(amqp_url, name=name)
        self._ready = threading.Event()
        self._ioloop: IOLoop | None = None
        self._conn: SelectConnection | None = None
        self._channel = None
        self._thread: threading.Thread | None = None
        self._tag = 0  # delivery tag on the current channel
        self._seq = 0  # across channels
        self._sent: dict[int, _Sent] = {}  # delivery tag -> message, until confirmed
        self._order: collections.deque[int] = collections.deque()
        self._in_flight: dict[str, Pending] = {}  # message id -> batch, until confirmed
        self._resend: list[_Sent] = []  # nacked or unconfirmed, for the next channel
        self._reopening = False
        self._open_error: str | None = None
        # batches handed to the I/O thread that it has not sent yet: failed if its loop
        # ends first (a callback added to a stopped loop never runs)
        self._handed: set[Pending] = set()
        self._handed_lock = threading.Lock()
        self._loop_over = False
        self.returned = 0  # unroutable messages (no queue bound to their key)
        self.resent = 0  # messages sent again on a new channel after a nack

    @property
    def connected(self) -> bool:
        return self._ready.is_set() and self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15) -> bool:
        """Connect (in the I/O thread) to the first node that answers; raises
        PublishFailed when none does. True when this call made a new connection."""
        if self.connected:
            return False
        self._ready.clear()
        self._open_error = None
        self._loop_over = False
        self._thread = threading.Thread(target=self._io, name="publisher-io", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._open_error:
            self.close()
            raise PublishFailed(self._open_error or "timed out connecting to the broker")
        return True

    def publish(self, messages: list[Outgoing], timeout: float = 30) -> None:
        """Publish `messages` (persistent, mandatory) and wait for all their confirms."""
        self.wait(self.publish_async(messages), timeout)

    def publish_async(self, messages: list[Outgoing],
                      on_done: Callable[[], None] | None = None) -> Pending:
        """Hand `messages` to the I/O thread; `wait` on the result for their confirms
        (`on_done` is called in the I/O thread when they are all in, or the batch failed).
        Messages are sent in call order on one channel."""
        if not self.connected or self._ioloop is None:
            raise PublishFailed("not connected")
        batch = Pending(size=len(messages), on_done=on_done)
        if not messages:
            batch.done.set()
            return batch
        with self._handed_lock:
            if self._loop_over:
                raise PublishFailed("not connected")
            self._handed.add(batch)
        self._ioloop.add_callback_threadsafe(lambda: self._send(batch, messages))
        return batch

    @staticmethod
    def wait(batch: Pending, timeout: float = 30) -> None:
        """Block until every message of `batch` is confirmed; PublishFailed otherwise."""
        if not batch.done.wait(timeout):
            raise PublishFailed(f"no confirm within {timeout}s")
        if batch.error:
            raise PublishFailed(batch.error)

    def close(self) -> None:
        ioloop, conn = self._ioloop, self._conn
        if ioloop is not None and self._thread is not None and self._thread.is_alive():
            def _close() -> None:
                if conn is not None and conn.is_open:
                    conn.close()
                else:
                    ioloop.stop()
            try:
                ioloop.add_callback_threadsafe(_close)
            except Exception:  # noqa: BLE001 - the loop is already gone
                pass
            self._thread.join(10)
        self._ready.clear()
        self._conn = self._channel = self._ioloop = None

    # --- I/O thread -------------------------------------------------------------------

    def _io(self) -> None:
        ioloop = self._ioloop = IOLoop()
        SelectConnection.create_connection(self._params, self._on_connected,
                                           custom_ioloop=ioloop)
        ioloop.start()
        with self._handed_lock:
            self._loop_over = True
            lost, self._handed = self._handed, set()
        for batch in lost:
            batch.fail("connection closed before the batch was sent")
        ioloop.close()

    def _on_connected(self, result) -> None:
        if isinstance(result, BaseException):
            self._open_error = f"cannot connect to the broker: {result!r}"
            self._ready.set()
            if self._ioloop is not None:
                self._ioloop.stop()
            return
        self._conn = result
        result.add_on_close_callback(self._on_closed)
        result.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:
        self._channel = channel
        self._tag = 0
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _f: channel.exchange_declare(
            EXCHANGE, exchange_type="topic", durable=True, callback=self._on_channel_ready))

    def _on_channel_ready(self, _frame) -> None:
        self._reopening = False
        held, self._resend = sorted(self._resend, key=lambda m: m.seq), []
        for sent in held:
            self._publish(sent)
        self._ready.set()

    def _on_channel_closed(self, channel, reason: BaseException) -> None:
        if self._reopening and isinstance(reason, ChannelClosedByClient):
            # what the old channel had not confirmed goes out again on the new one
            self._resend += [self._sent[tag] for tag in self._order if tag in self._sent]
            self._sent.clear()
            self._order.clear()
            if self._conn is not None and self._conn.is_open:
                self._conn.channel(on_open_callback=self._on_channel)
            return
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
        for batch in {m.batch for m in [*self._sent.values(), *self._resend]}:
            batch.fail(reason)
        self._sent.clear()
        self._resend.clear()
        self._order.clear()
        self._in_flight.clear()

    def _send(self, batch: Pending, messages: list[Outgoing]) -> None:
        with self._handed_lock:
            self._handed.discard(batch)
        fresh = []
        for msg in messages:
            self._seq += 1
            fresh.append(_Sent(self._seq, msg, batch))
            if msg.properties.message_id:
                self._in_flight[msg.properties.message_id] = batch
        if self._reopening:
            self._resend += fresh  # after the held ones, in order, on the new channel
            return
        channel = self._channel
        if channel is None or not channel.is_open:
            batch.fail("channel not open")
            return
        for sent in fresh:
            self._publish(sent)
        batch.sent_at = time.time()

    def _publish(self, sent: _Sent) -> None:
        self._tag += 1
        self._sent[self._tag] = sent
        self._order.append(self._tag)
        self._channel.basic_publish(EXCHANGE, sent.msg.routing_key, sent.msg.body,
                                    sent.msg.properties, mandatory=True)

    def _on_confirm(self, frame) -> None:
        method = frame.method
        ok = isinstance(method, spec.Basic.Ack)
        tag = method.delivery_tag
        if method.multiple:
            while self._order and self._order[0] <= tag:
                self._settle(self._order.popleft(), ok)
        else:
            self._settle(tag, ok)
            while self._order and self._order[0] not in self._sent and self._order[0] <= tag:
                self._order.popleft()

    def _settle(self, tag: int, ok: bool) -> None:
        sent = self._sent.pop(tag, None)
        if sent is None:
            return
        if not ok and sent.nacks < len(NACK_RESENDS):
            self._resend_later(sent)
            return
        message_id = sent.msg.properties.message_id or ""
        self._in_flight.pop(message_id, None)
        sent.batch.settle(ok, message_id)

    def _resend_later(self, sent: _Sent) -> None:
        """Hold a nacked message for a new channel; the first nack of a channel retires
        it after a pause (RabbitMQ 3.10 would nack all that follows on it)."""
        sent.nacks += 1
        self.resent += 1
        self._resend.append(sent)
        if self._reopening:
            return
        self._reopening = True
        log.warning("message %s nacked; sending it again on a new channel",
                    sent.msg.properties.message_id)
        channel = self._channel

        def reopen() -> None:
            if channel is not None and channel.is_open:
                channel.close()
        self._ioloop.call_later(NACK_RESENDS[sent.nacks - 1], reopen)

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
