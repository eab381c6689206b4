"""Looking at a test's RabbitMQ vhost from the outside: topology, bindings, queues."""

from __future__ import annotations

import json

import pika

from bus.connection import connection_parameters
from bus.consume import Delivery, parse_delivery
from contracts.topology import node_urls
from models.core.config import Config
from producers.declare import declare_all
from tests.support.services import rabbitmqctl


def declare_topology(amqp_url: str, config: Config) -> None:
    """Declare every consumer queue in the vhost of `amqp_url`, as the relay and each
    consumer do on connect."""
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        declare_all(conn.channel(), config)


def queue_depth(amqp_url: str, queue: str) -> int:
    """Messages ready in `queue` (which must exist)."""
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def bound_keys(amqp_url: str, exchange: str, queue: str) -> set[str]:
    """The routing keys `queue` is bound to on `exchange`, as the broker itself lists
    them (rabbitmqctl, read-only), in the vhost of `amqp_url`."""
    vhost = pika.URLParameters(node_urls(amqp_url)[0]).virtual_host
    listed = rabbitmqctl("list_bindings", "-p", vhost, "source_name", "destination_name",
                         "destination_kind", "routing_key", "--formatter", "json", "-q").stdout
    return {b["routing_key"] for b in json.loads(listed or "[]")
            if b["source_name"] == exchange and b["destination_kind"] == "queue"
            and b["destination_name"] == queue}


def take_all(amqp_url: str, queue: str) -> list[Delivery]:
    """Every message ready in `queue`, taken (acked) and parsed as the runtime parses it."""
    out = []
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        channel = conn.channel()
        while True:
            method, props, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append(parse_delivery(method, props, body))
