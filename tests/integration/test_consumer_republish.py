"""Retries and dead letters are republished mandatory and confirmed: when one finds no
queue, the original is not acked (it goes back to its queue), so nothing is lost."""

from __future__ import annotations

import threading
import uuid

import pika

from bus.consume import ConsumerLoop, LoopSettings, Outcome
from contracts.topology import dead_queue, retry_queue
from producers.broker import QueueSpec, declare_queue
from tests.support.processes import wait_until


def depth(url: str, name: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        return conn.channel().queue_declare(name, passive=True).method.message_count


def new_spec(amqp_url: str) -> QueueSpec:
    spec = QueueSpec(consumer=f"probe-{uuid.uuid4().hex[:8]}", bindings=(),
                     delivery_limit=3, retry_delays_ms=(100,))
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        declare_queue(conn.channel(), spec)
    return spec


def lose_retry_queue_then_publish(amqp_url: str, spec: QueueSpec) -> None:
    """An operator deletes the first retry queue while the consumer runs; a message
    arrives."""
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.queue_delete(retry_queue(spec.consumer, 1))
        ch.basic_publish("", spec.name, b"{}", pika.BasicProperties(message_id="m-1"))


def settings(spec: QueueSpec, declare=None) -> LoopSettings:
    return LoopSettings(queue=spec.name, prefetch=10, max_batch=10,
                        retry_queues=(retry_queue(spec.consumer, 1),),
                        dead_queue=dead_queue(spec.consumer), drain_deadline=1,
                        declare=declare, name=spec.name)


def run(loop: ConsumerLoop, amqp_url: str, spec: QueueSpec) -> threading.Thread:
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    wait_until(loop.connected.is_set, timeout=20, what="consumer connected")
    lose_retry_queue_then_publish(amqp_url, spec)
    return thread


def test_a_retry_with_no_queue_is_not_acked_and_the_message_is_not_lost(amqp_url):
    """Nothing re-declares here: the message goes back to its queue each time, until the
    broker's delivery limit dead-letters it (before, it was acked and gone)."""
    spec = new_spec(amqp_url)
    attempts: list[int] = []

    def always_failing(batch):
        attempts.extend(d.broker_deliveries for d in batch)
        return [Outcome("retry", "transient")] * len(batch)

    loop = ConsumerLoop(amqp_url, settings(spec), always_failing)
    thread = run(loop, amqp_url, spec)
    try:
        wait_until(lambda: depth(amqp_url, dead_queue(spec.consumer)) == 1, timeout=30,
                   what=lambda: f"the message in the dead letters (deliveries {attempts})")
        assert depth(amqp_url, spec.name) == 0
        assert attempts[:3] == [1, 2, 3]
    finally:
        loop.stop()
        thread.join(10)


def test_after_an_unroutable_retry_the_topology_is_declared_and_the_retry_goes_on(amqp_url):
    spec = new_spec(amqp_url)
    seen: list[int] = []
    received: list[float] = []

    def fail_once(batch):
        seen.extend(d.attempt for d in batch)
        received.extend(d.received_at for d in batch)
        return [Outcome("retry", "transient") if d.attempt == 1 else Outcome("ack")
                for d in batch]

    loop = ConsumerLoop(amqp_url, settings(spec, lambda ch: declare_queue(ch, spec)),
                        fail_once)
    thread = run(loop, amqp_url, spec)
    try:
        wait_until(lambda: 2 in seen, timeout=30, what=lambda: f"a second attempt ({seen})")
        wait_until(lambda: depth(amqp_url, spec.name) == 0, timeout=10, what="acked")
        assert depth(amqp_url, dead_queue(spec.consumer)) == 0
        # the retry keeps the receive time of the delivery that failed (speaker states
        # are ordered by it); the broker's redelivery before it was a new arrival
        assert abs(received[seen.index(2)] - received[seen.index(2) - 1]) < 0.002
    finally:
        loop.stop()
        thread.join(10)
