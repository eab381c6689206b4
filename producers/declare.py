"""Declare the whole topology (every consumer queue) from one place."""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingChannel

from contracts.topology import QUEUES
from models.core.config import Config
from producers.broker import QueueSpec, declare_queue


def queue_spec(config: Config, consumer: str) -> QueueSpec:
    return QueueSpec(consumer=consumer, bindings=QUEUES[consumer],
                     delivery_limit=config.delivery_limit,
                     retry_delays_ms=config.retry_delays_ms, replicas=config.queue_replicas)


def declare_all(channel: BlockingChannel, config: Config) -> None:
    """Every consumer queue of the system, so events published before a consumer's first
    start wait in its queue instead of being unroutable."""
    for consumer in QUEUES:
        declare_queue(channel, queue_spec(config, consumer))
