"""A message the broker nacks is sent again on a new channel before the publisher gives
up: on RabbitMQ 3.10 a channel that met a quorum queue's dead leader nacks everything
after it, and a new channel reaches the new leader."""

from __future__ import annotations

import threading

import pika
import pytest

from bus.connection import connection_parameters
from bus.messages import properties
from contracts.topology import EXCHANGE
from producers.broker import declare_exchange
from producers.publisher import ConfirmingPublisher, Outgoing, PublishFailed
from tests.support.processes import wait_until

KEY = "nack.test"


def full_queue(amqp_url: str) -> None:
    """A queue that holds one message and refuses (nacks) the next while it is full."""
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        channel = conn.channel()
        declare_exchange(channel)
        channel.queue_declare("one-at-a-time", arguments={"x-max-length": 1,
                                                          "x-overflow": "reject-publish"})
        channel.queue_bind("one-at-a-time", EXCHANGE, routing_key=KEY)


def message(message_id: str) -> Outgoing:
    return Outgoing(KEY, message_id.encode(), properties(message_id, "t"))


def test_a_nacked_message_is_confirmed_once_a_new_channel_can_store_it(own_vhost):
    full_queue(own_vhost)
    publisher = ConfirmingPublisher(own_vhost)
    publisher.start()
    try:
        publisher.publish([message("first")])
        pending = publisher.publish_async([message("second")])  # nacked: the queue is full
        wait_until(lambda: publisher.resent >= 1, timeout=10, what="a resend after the nack")
        with pika.BlockingConnection(connection_parameters(own_vhost)) as conn:
            conn.channel().queue_purge("one-at-a-time")  # room again, as a new leader
        publisher.wait(pending, timeout=20)
        with pika.BlockingConnection(connection_parameters(own_vhost)) as conn:
            _m, _p, body = conn.channel().basic_get("one-at-a-time", auto_ack=True)
        assert body == b"second"
    finally:
        publisher.close()


def test_a_message_refused_on_every_channel_still_fails_its_batch(own_vhost):
    full_queue(own_vhost)
    publisher = ConfirmingPublisher(own_vhost)
    publisher.start()
    try:
        publisher.publish([message("first")])
        with pytest.raises(PublishFailed, match="nacked"):
            publisher.publish([message("second")], timeout=30)
        assert publisher.connected  # and it goes on with the next batch
        done = threading.Event()
        threading.Thread(target=lambda: (publisher.publish([]), done.set())).start()
        assert done.wait(5)
    finally:
        publisher.close()
