"""The broker side of consuming: one connection thread that keeps heartbeats flowing and
acks, one worker thread that runs the work. Manual ack only after the work reported an
outcome; retries go through TTL queues, dead letters to `<queue>.dead`, both published
through the retry exchange (never the default one).

The `x-venuebus-*` headers (attempt, origin routing key, first publisher) are trusted only
on messages that came back through this consumer's own retry path: those the loop
republished itself, stamped with its own broker user as the `user_id` the broker
validates. Anyone else's are dropped; a malformed trusted one dead-letters that message.

No SQLAlchemy here: the speaker agent runs this on the Pi."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, NackError, UnroutableError

from bus.backoff import Backoff
from bus.connection import TopologyMismatch, connection_parameters
from bus.deliveries import Delivery, Permanent, Unavailable, parse_delivery
from bus.messages import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    ORIGIN_HEADER,
    PUBLISHER_HEADER,
    RECEIVED_HEADER,
)
from bus.stages import StageLog
from contracts.topology import RETRY_EXCHANGE

__all__ = ["ConsumerLoop", "Delivery", "LoopSettings", "Outcome", "Permanent",
           "Unavailable", "parse_delivery"]

log = logging.getLogger("venuebus.consumer")


@dataclass(frozen=True)
class Outcome:
    """What to do with a delivery: "ack", "retry" (after a delay) or "dead"."""

    action: str
    error: str | None = None


Work = Callable[[list[Delivery]], list[Outcome]]


@dataclass
class LoopSettings:
    queue: str
    prefetch: int = 200
    max_batch: int = 200
    retry_queues: tuple[str, ...] = ()  # retry step i -> queue name
    dead_queue: str | None = None
    # where retries and dead letters are published, each by its queue's name: never the
    # default exchange, which no backend role may write to
    retry_exchange: str = RETRY_EXCHANGE
    drain_deadline: float = 30.0
    declare: Callable[[BlockingChannel], None] | None = None
    # a body larger than this (bytes) is dead-lettered unread; None: no bound
    max_body: int | None = None
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
                lambda _c, m, p, b: buffer.append(parse_delivery(m, p, b, self.user,
                                                          max_body=self.s.max_body)))
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
                self._side.basic_publish(self.s.retry_exchange, target, d.body, props,
                                         mandatory=True)
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
