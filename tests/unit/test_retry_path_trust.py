"""The consume runtime's retry path keeps who first published a message, and only its own
republished messages are read for `x-venuebus-*` headers."""

from __future__ import annotations

import pika

from bus.consume import ConsumerLoop, LoopSettings, parse_delivery
from bus.messages import ORIGIN_HEADER, PUBLISHER_HEADER


class Method:
    def __init__(self, routing_key: str) -> None:
        self.routing_key, self.redelivered, self.delivery_tag = routing_key, False, 1


class RecordingChannel:
    def __init__(self) -> None:
        self.published: list[tuple[str, str, bytes, pika.BasicProperties]] = []

    def basic_publish(self, exchange, routing_key, body, properties, mandatory=False) -> None:
        assert mandatory  # a retry that finds no queue must not be acked away
        self.published.append((exchange, routing_key, body, properties))


def test_a_retried_state_still_names_the_device_that_published_it():
    loop = ConsumerLoop("amqp://backend:pw@127.0.0.1:5672/%2F", LoopSettings(
        queue="venuebus.speakers", retry_queues=("venuebus.speakers.retry.1",),
        dead_queue="venuebus.speakers.dead"), work=lambda batch: [])
    first = parse_delivery(Method("speaker.7.state"), pika.BasicProperties(
        message_id="m", user_id="speaker-7"), b"{}", loop.user)
    side = RecordingChannel()
    loop._side = side  # the loop's side channel for retries and dead letters
    assert loop._republish(first, "busy", retry=True)

    [(_, queue, body, props)] = side.published
    assert queue == "venuebus.speakers.retry.1" and props.user_id == "backend"
    back = parse_delivery(Method("venuebus.speakers"), props, body, loop.user)
    assert (back.publisher, back.routing_key, back.attempt) == ("speaker-7",
                                                                "speaker.7.state", 2)


def test_anyone_elses_retry_headers_are_ignored():
    forged = pika.BasicProperties(message_id="m", user_id="speaker-7", headers={
        ORIGIN_HEADER: "speaker.8.state", PUBLISHER_HEADER: "speaker-8",
        "x-venuebus-attempt": 3})
    d = parse_delivery(Method("speaker.7.state"), forged, b"{}", "backend")
    assert (d.publisher, d.routing_key, d.attempt, d.malformed) == (
        "speaker-7", "speaker.7.state", 1, None)
    assert not any(k.startswith("x-venuebus-") for k in d.headers)
