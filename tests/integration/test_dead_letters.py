"""`dlq list` leaves delivery counts alone; `dlq replay` strips the broker's headers so
a replayed message runs its handler."""

from __future__ import annotations

import uuid

import pika

from brokerops.deadletters import list_dead, replay_dead
from bus.consume import parse_delivery
from bus.messages import ATTEMPT_HEADER
from contracts.topology import dead_queue
from producers.broker import QueueSpec, declare_queue
from tests.support.processes import wait_until


def spec_in(amqp_url: str) -> QueueSpec:
    spec = QueueSpec(consumer=f"dlq-{uuid.uuid4().hex[:8]}", bindings=(), delivery_limit=2,
                     retry_delays_ms=())
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        declare_queue(conn.channel(), spec)
    return spec


def test_listing_keeps_the_dead_letters_their_order_and_their_delivery_counts(amqp_url):
    spec = spec_in(amqp_url)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.confirm_delivery()
        for i in range(3):
            ch.basic_publish("", dead_queue(spec.consumer), f'{{"n":{i}}}'.encode(),
                             pika.BasicProperties(message_id=f"d{i}", type="t"))
        for _ in range(4):  # an operator looking again and again
            assert [(d.message_id, d.payload) for d in list_dead(conn.channel(),
                                                                 spec.consumer)] == [
                ("d0", '{"n":0}'), ("d1", '{"n":1}'), ("d2", '{"n":2}')]
        method, props, _ = ch.basic_get(dead_queue(spec.consumer), auto_ack=True)
    assert props.message_id == "d0"
    assert int((props.headers or {}).get("x-delivery-count") or 0) == 0


def test_a_replayed_message_carries_no_broker_headers_and_would_run_its_handler(amqp_url):
    """The broker dead-letters a message past its delivery limit (x-death), and its
    dead letter was handed back a few times (x-delivery-count): replayed, it is a
    first delivery again, attempt 1."""
    spec = spec_in(amqp_url)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish("", spec.name, b'{"data": {}}',
                         pika.BasicProperties(message_id="m-1", type="t"))
        while (method := ch.basic_get(spec.name, auto_ack=False)[0]) is not None:
            ch.basic_nack(method.delivery_tag, requeue=True)
        wait_until(lambda: ch.queue_declare(dead_queue(spec.consumer), passive=True)
                   .method.message_count == 1, timeout=10, what="dead-lettered by the broker")
        for _ in range(3):  # handed back unacked, as `dlq list` used to do
            method, props, _ = ch.basic_get(dead_queue(spec.consumer), auto_ack=False)
            assert props.headers.get("x-death")
            ch.basic_nack(method.delivery_tag, requeue=True)

        assert replay_dead(conn.channel(), spec.consumer) == 1
        method, props, body = ch.basic_get(spec.name, auto_ack=True)
    headers = props.headers or {}
    assert not {"x-death", "x-first-death-reason"} & set(headers)
    assert int(headers.get("x-delivery-count") or 0) == 0  # the broker's own count
    assert headers[ATTEMPT_HEADER] == 1
    assert parse_delivery(method, props, body).broker_deliveries == 1
