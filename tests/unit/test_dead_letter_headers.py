"""What `dlq replay` publishes: no broker headers. (RabbitMQ 3.10 overwrites
x-delivery-count on delivery, so the integration test cannot see a stale one; brokers
that add it only past zero would hand the consumer the dead queue's count.)"""

from __future__ import annotations

from types import SimpleNamespace

import pika

from brokerops.deadletters import replay_dead
from bus.messages import ATTEMPT_HEADER, ERROR_HEADER, ORIGIN_HEADER


class RecordingChannel:
    """The few BlockingChannel calls replay makes, over a list of dead letters."""

    def __init__(self, letters: list[pika.BasicProperties]) -> None:
        self.letters = list(letters)
        self.published: list[tuple[str, pika.BasicProperties]] = []
        self.acked: list[int] = []

    def confirm_delivery(self) -> None:
        pass

    def queue_declare(self, _name, passive=False):
        return SimpleNamespace(method=SimpleNamespace(message_count=len(self.letters)))

    def basic_get(self, _queue, auto_ack=False):
        props = self.letters.pop(0)
        return SimpleNamespace(delivery_tag=len(self.acked) + 1, routing_key="k"), props, b"{}"

    def basic_publish(self, _exchange, routing_key, _body, props, mandatory=False):
        self.published.append((routing_key, props))

    def basic_ack(self, tag) -> None:
        self.acked.append(tag)


def test_replay_publishes_a_first_delivery_without_the_brokers_headers():
    dead = pika.BasicProperties(message_id="m-1", type="t", headers={
        "x-delivery-count": 7, "x-death": [{"count": 1, "reason": "delivery_limit"}],
        "x-first-death-reason": "delivery_limit", "x-first-death-queue": "venuebus.x",
        "x-first-death-exchange": "", ERROR_HEADER: "boom", ATTEMPT_HEADER: 3,
        ORIGIN_HEADER: "rating.changed"})
    channel = RecordingChannel([dead])
    assert replay_dead(channel, "ratings") == 1
    [(queue, props)] = channel.published
    assert queue == "venuebus.ratings" and props.message_id == "m-1"
    assert props.headers == {ATTEMPT_HEADER: 1, ORIGIN_HEADER: "rating.changed"}
    assert channel.acked == [1]
