"""Wiring of one consumer process: config -> database, loop, tracked work, metrics."""

from __future__ import annotations

import threading

import pika

from bus.connection import connection_parameters
from bus.consume import ConsumerLoop, LoopSettings
from bus.stages import StageLog
from consumers.metrics import ConsumerMetrics
from consumers.registry import consumer as consumer_named
from consumers.tracking import TrackedWork
from consumers.waiting import PeerWait
from contracts.topology import dead_queue, queue_name, retry_queue
from models.core.config import Config
from models.core.db import Database, background_database
from producers.broker import queue_counts
from producers.declare import declare_all


def dead_letter_depth(amqp_url: str, consumer: str) -> float:
    """Messages in the consumer's dead-letter queue (NaN when the broker is away)."""
    try:
        with pika.BlockingConnection(connection_parameters(amqp_url, name="metrics")) as conn:
            counts = queue_counts(conn.channel(), dead_queue(consumer))
    except pika.exceptions.AMQPError:
        return float("nan")
    return float(counts[0]) if counts else 0.0


def build_consumer(config: Config, name: str, *, prefetch: int | None = None,
                   drain_deadline: float = 30.0, db: Database | None = None,
                   max_wait_backoff: float = 60.0) -> tuple[ConsumerLoop, ConsumerMetrics]:
    """The loop for consumer `name`; while a peer its effect needs is unavailable it
    retries at most every `max_wait_backoff` seconds. Raises KeyError for an unknown
    name."""
    consumer = consumer_named(name)
    db = db or background_database(config)
    steps = len(config.retry_delays_ms)
    metrics = ConsumerMetrics(name)
    settings = LoopSettings(
        queue=queue_name(name),
        prefetch=prefetch or config.prefetch,
        max_batch=consumer.max_batch,
        retry_queues=tuple(retry_queue(name, i) for i in range(1, steps + 1)),
        dead_queue=dead_queue(name),
        drain_deadline=drain_deadline,
        max_body=consumer.max_body,
        declare=lambda channel: declare_all(channel, config),
        name=f"venuebus-consume-{name}",
    )
    metrics.watch_dead_letters(lambda: dead_letter_depth(config.amqp_url, name))
    stopping = threading.Event()  # the loop's stop ends the work's wait for the database
    work = TrackedWork(db, consumer, max_attempts=steps + 1,
                       delivery_limit=config.delivery_limit, stopping=stopping,
                       peer_wait=PeerWait(db, name, max_backoff=max_wait_backoff,
                                          stopping=stopping))
    return ConsumerLoop(config.amqp_url, settings, work, on_outcome=metrics.record,
                        stages=StageLog.open(config.stage_log_dir, f"consume-{name}"),
                        stopping=stopping), metrics
