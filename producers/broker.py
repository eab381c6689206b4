"""Broker access in one place: connection settings, topology declaration and message
properties. No SQLAlchemy here: the speaker agent uses this module on the Pi."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from contracts.envelope import CONTENT_TYPE
from contracts.topology import EXCHANGE, dead_queue, queue_name, retry_queue

CLOUDEVENTS_JSON = CONTENT_TYPE
HEARTBEAT_S = 30
ATTEMPT_HEADER = "x-venuebus-attempt"
ERROR_HEADER = "x-venuebus-last-error"
ORIGIN_HEADER = "x-venuebus-routing-key"
# when a consumer first received the message (epoch ms): kept across its retries, so a
# retried message is still ordered by its first arrival, never by a sender's clock
RECEIVED_HEADER = "x-venuebus-received-at"
PUBLISHER_HEADER = "x-venuebus-user-id"  # the validated user_id of the first publisher


class TopologyMismatch(RuntimeError):
    """A queue or exchange exists with other arguments; restarting will not help."""


def connection_parameters(amqp_url: str, *, name: str = "venuebus") -> pika.URLParameters:
    """Parameters for every connection we open: heartbeats, timeouts on every call, and a
    connection name that shows in `rabbitmqctl list_connections client_properties`."""
    params = pika.URLParameters(amqp_url)
    if "heartbeat=" not in amqp_url:  # an explicit ?heartbeat=N in the URL wins
        params.heartbeat = HEARTBEAT_S
    params.blocked_connection_timeout = 60
    params.socket_timeout = 10
    params.stack_timeout = 15
    params.connection_attempts = 1
    params.client_properties = {"connection_name": name}
    return params


def properties(message_id: str, type_: str, *, headers: dict | None = None,
               timestamp: int | None = None, expiration: str | None = None
               ) -> pika.BasicProperties:
    """AMQP properties of a CloudEvents message: persistent, with id, type and time."""
    return pika.BasicProperties(
        message_id=message_id, type=type_, content_type=CLOUDEVENTS_JSON, delivery_mode=2,
        timestamp=timestamp if timestamp is not None else int(time.time()),
        headers=headers or {}, expiration=expiration)


@dataclass(frozen=True)
class QueueSpec:
    """A consumer queue: quorum, delivery limit, dead letters, TTL retry steps."""

    consumer: str
    bindings: tuple[str, ...]
    delivery_limit: int = 20
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)

    @property
    def name(self) -> str:
        return queue_name(self.consumer)


def _guard(fn, what: str):
    try:
        return fn()
    except ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            raise TopologyMismatch(
                f"{what} already exists with different arguments ({exc.reply_text}). "
                "Delete it (rabbitmqctl delete_queue) or align the settings; "
                "restarting will not fix this.") from exc
        raise


def declare_exchange(channel: BlockingChannel) -> None:
    _guard(lambda: channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True),
           f"exchange {EXCHANGE}")


def declare_queue(channel: BlockingChannel, spec: QueueSpec) -> None:
    """Declare `spec` idempotently: main quorum queue, `.dead`, and one TTL queue per retry
    step that dead-letters back into the main queue. Raises TopologyMismatch."""
    declare_exchange(channel)
    main = spec.name
    _guard(lambda: channel.queue_declare(dead_queue(spec.consumer), durable=True,
                                         arguments={"x-queue-type": "quorum"}),
           f"queue {dead_queue(spec.consumer)}")
    args = {"x-queue-type": "quorum", "x-delivery-limit": spec.delivery_limit,
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead_queue(spec.consumer)}
    _guard(lambda: channel.queue_declare(main, durable=True, arguments=args), f"queue {main}")
    for key in spec.bindings:
        channel.queue_bind(main, EXCHANGE, routing_key=key)
    for step, delay in enumerate(spec.retry_delays_ms, start=1):
        name = retry_queue(spec.consumer, step)
        _guard(lambda name=name, delay=delay: channel.queue_declare(
            name, durable=True, arguments={"x-message-ttl": delay, "x-dead-letter-exchange": "",
                                           "x-dead-letter-routing-key": main}),
               f"queue {name}")


def queue_counts(channel: BlockingChannel, name: str) -> tuple[int, int] | None:
    """(messages ready, consumers) of an existing queue, or None when it does not exist."""
    try:
        ok = channel.queue_declare(name, passive=True)
    except ChannelClosedByBroker:
        return None
    return ok.method.message_count, ok.method.consumer_count
