"""A retry or dead letter the broker nacks is published once more on a new channel
(RabbitMQ 3.10: a channel whose publish met a quorum queue's dead leader nacks all that
follows on it); a second nack leaves the original unacked, as before."""

from __future__ import annotations

import pika
from pika.exceptions import NackError

from bus.consume import ConsumerLoop, Delivery, LoopSettings


class Connection:
    def __init__(self, nacking: int) -> None:
        self.channels: list[SideChannel] = []
        self.nacking = nacking  # how many channels nack every publish

    def channel(self) -> SideChannel:
        self.channels.append(SideChannel(self, nacks=len(self.channels) < self.nacking))
        return self.channels[-1]


class SideChannel:
    def __init__(self, connection: Connection, nacks: bool) -> None:
        self.connection, self.nacks = connection, nacks
        self.is_open = True
        self.published: list[str] = []

    def confirm_delivery(self) -> None:
        pass

    def basic_publish(self, _exchange, routing_key, _body, _props, mandatory=False):
        if self.nacks:
            raise NackError([])
        self.published.append(routing_key)

    def close(self) -> None:
        self.is_open = False


def loop_on(connection: Connection) -> ConsumerLoop:
    loop = ConsumerLoop("amqp://localhost/%2F", LoopSettings(
        queue="venuebus.x", retry_queues=("venuebus.x.retry.1",), dead_queue="venuebus.x.dead"),
        work=lambda batch: [])
    loop._side = ConsumerLoop._side_channel(connection)
    return loop


def delivery() -> Delivery:
    return Delivery(message_id="m-1", routing_key="rating.changed", type="t", data={},
                    envelope={}, headers={}, attempt=1, redelivered=False, delivery_tag=1,
                    properties=pika.BasicProperties(message_id="m-1"))


def test_a_nacked_retry_goes_out_on_a_new_channel():
    connection = Connection(nacking=1)
    loop = loop_on(connection)
    assert loop._republish(delivery(), "boom", retry=True)
    first, second = connection.channels
    assert not first.is_open and first.published == []
    assert second.published == ["venuebus.x.retry.1"] and loop._side is second


def test_nacked_on_the_new_channel_too_the_original_stays_unacked():
    connection = Connection(nacking=2)
    assert not loop_on(connection)._republish(delivery(), "boom", retry=False)
    assert len(connection.channels) == 2
