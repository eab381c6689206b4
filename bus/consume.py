"""The broker side of consuming: one connection thread that keeps heartbeats flowing and
acks, one worker thread that runs the work. Manual ack only after the work reported an
outcome; retries go through TTL queues, dead letters to `<queue>.dead`.

The `x-venuebus-*` headers (attempt, origin routing key, first publisher) are trusted only
on messages that came back through this consumer's own retry path: those the loop
republished itself, stamped with its own broker user as the `user_id` the broker
validates. Anyone else's are dropped; a malformed trusted one dead-letters that message.

No SQLAlchemy here: the speaker agent runs this on the Pi."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, NackError, UnroutableError

from bus.backoff import Backoff
from bus.connection import TopologyMismatch, connection_parameters
from bus.messages import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    ORIGIN_HEADER,
    PUBLISHER_HEADER,
    RECEIVED_HEADER,
)
from bus.stages import StageLog

log = logging.getLogger("venuebus.consumer")


class Permanent(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it now."""


@dataclass(frozen=True)
class Delivery:
    message_id: str
    routing_key: str
    type: str
    data: dict
    envelope: dict
    headers: dict
    attempt: int
    redelivered: bool
    delivery_tag: int = field(default=0, compare=False)
    body: bytes = field(default=b"", repr=False, compare=False)
    properties: Any = field(default=None, repr=False, compare=False)
    # server time (epoch seconds) this delivery arrived; a retry keeps the time of the
    # delivery that failed (x-venuebus-received-at), a broker redelivery is a new arrival
    received_at: float = field(default_factory=time.time, compare=False)
    publisher: str | None = None  # the broker-validated user_id of the first publisher
    malformed: str | None = None  # why its retry headers are unusable: dead-letter it

    def int_field(self, name: str) -> int:
        """The payload's integer `name`; Permanent (dead-letter at once) without one."""
        try:
            return int(self.data[name])
        except (KeyError, TypeError, ValueError) as exc:
            raise Permanent(f"{self.routing_key} without a valid {name}: {exc!r}") from exc

    @property
    def broker_deliveries(self) -> int:
        """How often the broker has delivered this message, this time included: a
        quorum queue counts the earlier unanswered ones in `x-delivery-count`."""
        return int(self.headers.get("x-delivery-count") or 0) + 1


@dataclass(frozen=True)
class Outcome:
    """What to do with a delivery: "ack", "retry" (after a delay) or "dead"."""

    action: str
    error: str | None = None


def _retry_headers(method, props, own_user: str | None
                   ) -> tuple[dict, int, str, str | None, str | None]:
    """(headers, attempt, routing key, publisher, malformed) of a message: the
    `x-venuebus-*` headers count only when `own_user` republished it."""
    headers = dict(props.headers or {})
    if own_user is None or props.user_id != own_user:  # not from our retry path
        headers = {k: v for k, v in headers.items() if not k.startswith("x-venuebus-")}
        return headers, 1, str(method.routing_key), props.user_id, None
    attempt, origin = headers.get(ATTEMPT_HEADER, 1), headers.get(ORIGIN_HEADER)
    publisher = headers.get(PUBLISHER_HEADER)
    if isinstance(origin, bytes | bytearray):
        origin = bytes(origin).decode(errors="replace")
    if isinstance(publisher, bytes | bytearray):
        publisher = bytes(publisher).decode(errors="replace")
    if type(attempt) is not int or attempt < 1 or not isinstance(origin, str | None) \
            or not isinstance(publisher, str | None):
        return headers, 1, str(method.routing_key), None, "malformed x-venuebus headers"
    return headers, attempt, origin or str(method.routing_key), publisher, None


def parse_delivery(method, props, body: bytes, own_user: str | None = None) -> Delivery:
    """A Delivery from a raw AMQP message; never raises. A body that is not a CloudEvents
    JSON document still becomes a Delivery (with empty data) so the work can dead-letter
    it; `own_user` is the loop's broker user (see the module docstring)."""
    headers, attempt, routing_key, publisher, malformed = _retry_headers(method, props,
                                                                         own_user)
    try:
        received_at = float(headers[RECEIVED_HEADER]) / 1000
    except (KeyError, TypeError, ValueError):
        received_at = time.time()
    try:
        envelope = json.loads(body)
        if not isinstance(envelope, dict):
            raise ValueError("not an object")
    except ValueError:
        envelope = {}
    return Delivery(
        message_id=str(props.message_id or envelope.get("id") or ""),
        routing_key=routing_key, type=str(props.type or envelope.get("type") or ""),
        data=envelope.get("data") if isinstance(envelope.get("data"), dict) else {},
        envelope=envelope, headers=headers, attempt=attempt,
        redelivered=bool(method.redelivered), delivery_tag=method.delivery_tag, body=body,
        properties=props, received_at=received_at, publisher=publisher,
        malformed=malformed)


Work = Callable[[list[Delivery]], list[Outcome]]


@dataclass
class LoopSettings:
    queue: str
    prefetch: int = 200
    max_batch: int = 200
    retry_queues: tuple[str, ...] = ()  # retry step i -> queue name
    dead_queue: str | None = None
    drain_deadline: float = 30.0
    declare: Callable[[BlockingChannel], None] | None = None
    name: str = "venuebus-consumer"
    # the longest the connection thread waits for the broker before it looks at stop();
    # a delivery or a finished batch wakes it at once
    poll_seconds: float = 0.05


class ConsumerLoop:
    """Consumes `settings.queue` with manual acks until stop(); reconnects on broker loss."""

    def __init__(self, amqp_url: str, settings: LoopSettings, work: Work,
                 on_outcome: Callable[[Delivery, Outcome, float], None] | None = None,
                 stages: StageLog | None = None,
                 stopping: threading.Event | None = None) -> None:
        self.params = connection_parameters(amqp_url, name=settings.name)
        self.user = self.params[0].credentials.username  # stamps (and recognises) our retries
        self.s = settings
        self.work = work
        self.on_outcome = on_outcome
        self.stages = stages
        self.stopping = stopping or threading.Event()  # shared with the work, if it waits
        self.connected = threading.Event()
        self._jobs: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._worker = threading.Thread(target=self._work_loop, name="worker", daemon=True)
        self._busy = False
        self._conn: BlockingConnection | None = None  # the session's, for the worker's wake-up
        self._generation = 0  # one per broker session: delivery tags belong to a channel
        self._side: BlockingChannel | None = None  # retries and dead letters go out here

    # --- public ----------------------------------------------------------------------

    def run(self) -> None:
        """Blocks until stop() and the drain are done. Raises TopologyMismatch only."""
        self._worker.start()
        backoff = Backoff(self.stopping, jitter=0.5)
        while not self.stopping.is_set():
            try:
                self._session()
                backoff.reset()
            except TopologyMismatch:
                raise
            except (AMQPError, OSError) as exc:
                self.connected.clear()
                log.warning("broker connection lost (%r); reconnecting in %.1fs", exc,
                            backoff.delay)
                backoff.wait()
        self._jobs.put(None)
        if not self._busy:  # busy: the drain deadline passed; its transaction dies with us
            self._worker.join(5)

    def stop(self) -> None:
        self.stopping.set()

    # --- connection thread -----------------------------------------------------------

    def _session(self) -> None:
        self._generation += 1
        conn = self._conn = BlockingConnection(self.params)
        try:
            channel = conn.channel()
            if self.s.declare:
                self.s.declare(channel)
            channel.basic_qos(prefetch_count=self.s.prefetch)
            self._side = self._side_channel(conn)
            buffer: list[Delivery] = []
            tag = channel.basic_consume(
                self.s.queue,
                lambda _c, m, p, b: buffer.append(parse_delivery(m, p, b, self.user)))
            self.connected.set()
            log.info("consuming %s (prefetch %d)", self.s.queue, self.s.prefetch)
            self._pump(conn, channel, buffer, tag)
        finally:
            self.connected.clear()
            if conn.is_open:
                try:
                    conn.close()
                except AMQPError:
                    pass

    @staticmethod
    def _side_channel(conn: BlockingConnection) -> BlockingChannel:
        """The channel for retries and dead letters, published with confirms."""
        side = conn.channel()
        side.confirm_delivery()
        return side

    def _pump(self, conn, channel, buffer: list[Delivery], tag: str) -> None:
        deadline = None
        while True:
            # returns at once on a delivery, or when the worker rings (`_wake`)
            conn.process_data_events(time_limit=self.s.poll_seconds)
            self._apply_results(channel)
            if self.stopping.is_set():
                if deadline is None:
                    deadline = time.monotonic() + self.s.drain_deadline
                    channel.basic_cancel(tag)
                    buffer.clear()  # never started: the broker requeues them on close
                if not self._busy or time.monotonic() > deadline:
                    if self._busy:
                        log.warning("drain deadline passed; in-flight work will be redelivered")
                    return
                continue
            if buffer and not self._busy:
                batch, buffer[:] = buffer[: self.s.max_batch], buffer[self.s.max_batch:]
                self._busy = True
                self._jobs.put((self._generation, batch))

    def _apply_results(self, channel) -> None:
        while True:
            try:
                generation, batch, outcomes, elapsed, stamps = self._results.get_nowait()
            except queue.Empty:
                return
            self._busy = False
            if generation != self._generation:
                # Its tags belong to a channel that is gone: never ack them on this one.
                # The broker redelivers those messages; their effect is deduplicated.
                log.info("dropping the result of a batch from a lost connection")
                continue
            kept: set[int] = set()  # tags whose retry or dead letter found no queue
            for delivery, outcome in zip(batch, outcomes, strict=True):
                if outcome.action in ("retry", "dead") and not self._republish(
                        delivery, outcome.error, retry=outcome.action == "retry"):
                    kept.add(delivery.delivery_tag)
                    continue
                if self.on_outcome:
                    self.on_outcome(delivery, outcome, elapsed / len(batch))
            self._answer(channel, batch, kept)
            if self.stages is not None:
                self.stages.batch([d.message_id for d in batch],
                                  delivered=[d.received_at for d in batch], **stamps,
                                  acked=time.time())

    def _answer(self, channel, batch: list[Delivery], kept: set[int]) -> None:
        if not kept:
            channel.basic_ack(batch[-1].delivery_tag, multiple=True)
            return
        for delivery in batch:
            if delivery.delivery_tag in kept:
                # back to the queue: the broker's delivery limit bounds the loop
                channel.basic_nack(delivery.delivery_tag, requeue=True)
            else:
                channel.basic_ack(delivery.delivery_tag)
        if self.s.declare:
            self.s.declare(channel)  # the missing queue comes back for the next try

    def _republish(self, d: Delivery, error: str | None, *, retry: bool) -> bool:
        """Send `d` to its next retry queue or to the dead letters (mandatory, confirmed).
        False when the broker could not route or store it: then the original must not
        be acked, or the message would be lost.

        A nack is tried once more on a new channel: on RabbitMQ 3.10 a channel whose
        publish met a quorum queue's dead leader nacks everything after it, while a new
        channel reaches the new leader. A copy that did land is a duplicate the
        consumers' tracking drops."""
        step = d.attempt  # attempt 1 failed -> retry queue 1
        if retry and step <= len(self.s.retry_queues):
            target, attempt = self.s.retry_queues[step - 1], d.attempt + 1
        else:
            target, attempt = self.s.dead_queue, d.attempt
        if target is None:
            return True  # a loop without dead letters (the device agent) drops it
        headers = {**d.headers, ATTEMPT_HEADER: attempt, ERROR_HEADER: (error or "")[:1000],
                   ORIGIN_HEADER: d.routing_key, RECEIVED_HEADER: int(d.received_at * 1000)}
        if d.publisher is not None:
            headers[PUBLISHER_HEADER] = d.publisher
        props = d.properties or pika.BasicProperties()
        props = pika.BasicProperties(
            message_id=props.message_id, type=props.type, content_type=props.content_type,
            delivery_mode=2, timestamp=props.timestamp, headers=headers, user_id=self.user)
        for fresh in (False, True):
            try:
                if fresh:
                    self._renew_side()
                self._side.basic_publish("", target, d.body, props, mandatory=True)
                return True
            except NackError as exc:
                if fresh:
                    return self._not_moved(d, target, exc)
                log.warning("message %s nacked by %s; again on a new channel", d.message_id,
                            target)
            except UnroutableError as exc:
                return self._not_moved(d, target, exc)
        return False

    def _renew_side(self) -> None:
        old = self._side
        self._side = self._side_channel(old.connection)
        if old.is_open:
            old.close()

    @staticmethod
    def _not_moved(d: Delivery, target: str, exc: Exception) -> bool:
        log.error("message %s not moved to %s (%r): it goes back to its queue",
                  d.message_id, target, exc)
        return False

    # --- worker thread ---------------------------------------------------------------

    def _work_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            generation, batch = job
            started, started_at = time.perf_counter(), time.time()
            outcomes = self._run_work(batch)
            self._results.put((generation, batch, outcomes, time.perf_counter() - started,
                               {"started": started_at, "worked": time.time()}))
            self._wake()

    def _wake(self) -> None:
        """Have the connection thread pick the result up now (it acks it), instead of
        at its next look."""
        conn = self._conn
        if conn is None:
            return
        try:
            conn.add_callback_threadsafe(_nothing)
        except Exception:  # noqa: BLE001 - the connection is gone: the result is dropped
            pass

    def _run_work(self, batch: list[Delivery]) -> list[Outcome]:
        """The work's outcomes; a delivery with malformed retry headers is dead-lettered
        without reaching the work."""
        good = [d for d in batch if d.malformed is None]
        try:
            done = iter(self.work(good) if good else [])
        except Exception as exc:  # noqa: BLE001 - the work must not kill the loop
            log.exception("work failed for a batch of %d", len(good))
            done = iter([Outcome("retry", repr(exc))] * len(good))
        return [Outcome("dead", d.malformed) if d.malformed else next(done) for d in batch]


def _nothing() -> None:
    """A callback that only wakes the connection thread."""
