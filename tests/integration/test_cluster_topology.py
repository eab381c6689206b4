"""Declarations for a cluster on the real broker: with more than one node listed every
queue is a quorum queue with x-quorum-initial-group-size; the arguments a deployment
did not have before are create-only, so its existing queues are kept, while any other
difference is still a TopologyMismatch. Device command queues drop what expired."""

from __future__ import annotations

import json
import uuid

import pika
import pytest

from bus.connection import TopologyMismatch, connection_parameters
from bus.messages import properties
from contracts.speakers import command_queue
from contracts.topology import EXCHANGE, dead_queue, queue_name, retry_queue
from models.core.config import Config
from producers.broker import declare_exchange
from producers.declare import declare_all
from tests.support.device import declare_command_queue
from tests.support.processes import wait_until
from tests.support.services import rabbitmqctl

pytestmark = pytest.mark.usefixtures("rabbitmqctl_at_hand")


def declare(config: Config) -> None:
    with pika.BlockingConnection(connection_parameters(config.amqp_url)) as conn:
        declare_all(conn.channel(), config)


def arguments(amqp_url: str) -> dict[str, dict]:
    """Queue name -> its arguments, as the broker lists them (rabbitmqctl, read-only)."""
    vhost = pika.URLParameters(amqp_url).virtual_host
    rows = json.loads(rabbitmqctl("list_queues", "-p", vhost, "name", "arguments",
                                  "--formatter", "json", "-q").stdout or "[]")
    # a table is listed as [[key, type, value], ...]
    return {r["name"]: {a[0]: a[-1] for a in r["arguments"]} for r in rows}


def test_with_two_nodes_listed_every_queue_is_a_quorum_queue_of_two(own_vhost):
    declare(Config(amqp_url=f"{own_vhost},{own_vhost}"))
    listed = arguments(own_vhost)
    for queue in (queue_name("ratings"), dead_queue("ratings"), retry_queue("ratings", 1)):
        args = listed[queue]
        assert args["x-queue-type"] == "quorum" and args["x-quorum-initial-group-size"] == 2
    main = listed[queue_name("ratings")]
    assert main["x-delivery-limit"] == 20  # it keeps its limit and dead-letter target
    assert main["x-dead-letter-routing-key"] == dead_queue("ratings")
    declare(Config(amqp_url=own_vhost))  # a client listing one node keeps them: no mismatch
    assert arguments(own_vhost)[queue_name("ratings")]["x-quorum-initial-group-size"] == 2


def test_one_node_declares_as_before(own_vhost):
    declare(Config(amqp_url=own_vhost))
    listed = arguments(own_vhost)
    assert "x-quorum-initial-group-size" not in listed[queue_name("ratings")]
    assert "x-queue-type" not in listed[retry_queue("ratings", 1)]  # classic


def test_queues_of_a_single_node_deployment_are_kept_when_a_cluster_is_listed(own_vhost):
    declare(Config(amqp_url=own_vhost))
    declare(Config(amqp_url=f"{own_vhost},{own_vhost}"))  # no PRECONDITION_FAILED
    declare(Config(amqp_url=own_vhost))  # and a client listing one node again
    listed = arguments(own_vhost)
    assert "x-quorum-initial-group-size" not in listed[queue_name("ratings")]
    assert "x-queue-type" not in listed[retry_queue("ratings", 1)]


def test_any_other_difference_is_still_a_topology_mismatch(own_vhost):
    declare(Config(amqp_url=f"{own_vhost},{own_vhost}"))
    with pytest.raises(TopologyMismatch, match="x-delivery-limit"):
        declare(Config(amqp_url=f"{own_vhost},{own_vhost}", delivery_limit=7))


def test_the_broker_drops_a_command_nobody_took_within_its_ttl(own_vhost):
    device = f"t{uuid.uuid4().hex[:6]}"
    queue, key = command_queue(device), f"speaker.{device}.play"
    with pika.BlockingConnection(connection_parameters(own_vhost)) as conn:
        channel = conn.channel()
        declare_exchange(channel)
        declare_command_queue(channel, device, ttl_ms=1500)
        channel.confirm_delivery()
        channel.basic_publish(EXCHANGE, key, b"{}", properties("c-1", "t"), mandatory=True)
        assert channel.queue_declare(queue, passive=True).method.message_count == 1
        wait_until(lambda: channel.queue_declare(queue, passive=True).method.message_count
                   == 0, timeout=15, what="the expired command dropped")


def test_queues_that_dead_letter_through_the_default_exchange_are_kept(own_vhost):
    """Queues declared before the retry exchange (dead-letter exchange "") stay as they
    are for a user who may still declare them; new ones name `venuebus.retry`."""
    with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
        channel = conn.channel()
        channel.queue_declare(queue_name("ratings"), durable=True, arguments={
            "x-queue-type": "quorum", "x-delivery-limit": 20, "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": dead_queue("ratings")})
    declare(Config(amqp_url=own_vhost))  # no PRECONDITION_FAILED
    listed = arguments(own_vhost)
    assert listed[queue_name("ratings")]["x-dead-letter-exchange"] == ""
    assert listed[queue_name("stats")]["x-dead-letter-exchange"] == "venuebus.retry"
    assert listed[retry_queue("stats", 1)]["x-dead-letter-exchange"] == "venuebus.retry"
