"""`dlq list` reads one page and leaves the letters where they are; `dlq replay`
strips the broker's headers so a replayed message runs its handler."""

from __future__ import annotations

import uuid

import pika
from pika.adapters.blocking_connection import BlockingChannel

from brokerops.deadletters import PAGE, list_dead, replay_dead
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


def test_listing_keeps_the_dead_letters_and_their_order(amqp_url):
    spec = spec_in(amqp_url)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.confirm_delivery()
        for i in range(3):
            ch.basic_publish("", dead_queue(spec.consumer), f'{{"n":{i}}}'.encode(),
                             pika.BasicProperties(message_id=f"d{i}", type="t"))
        for _ in range(4):  # an operator looking again and again
            assert sorted((d.message_id, d.payload) for d in list_dead(conn.channel(),
                                                                       spec.consumer)) == [
                ("d0", '{"n":0}'), ("d1", '{"n":1}'), ("d2", '{"n":2}')]
        assert sorted(drained(ch, spec)) == ["d0", "d1", "d2"]


def drained(channel, spec: QueueSpec) -> list[str]:
    ids = []
    while (got := channel.basic_get(dead_queue(spec.consumer), auto_ack=True))[0]:
        ids.append(got[1].message_id)
    return ids


def test_listing_a_deep_dead_queue_reads_one_page_and_moves_nothing(amqp_url, monkeypatch):
    """An operator's look costs a page, not the queue's depth (up to DEAD_LETTERS_MAX):
    no letter past the page is read, none is copied, and every letter stays in place
    but for the order within the page."""
    spec = spec_in(amqp_url)
    depth = 3 * PAGE
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.confirm_delivery()
        for i in range(depth):
            ch.basic_publish("", dead_queue(spec.consumer), b"{}",
                             pika.BasicProperties(message_id=f"d{i}", type="t"))
        reads, publishes = [], []
        get, publish = BlockingChannel.basic_get, BlockingChannel.basic_publish

        def counted_get(self, *args, **kwargs):
            reads.append(1)
            return get(self, *args, **kwargs)

        def counted_publish(self, *args, **kwargs):
            publishes.append(1)
            return publish(self, *args, **kwargs)

        monkeypatch.setattr(BlockingChannel, "basic_get", counted_get)
        monkeypatch.setattr(BlockingChannel, "basic_publish", counted_publish)
        page = {f"d{i}" for i in range(PAGE)}
        for _ in range(2):
            letters = list_dead(conn.channel(), spec.consumer, PAGE)
            assert {d.message_id for d in letters} == page
        assert (len(reads), publishes) == (2 * PAGE, [])
        monkeypatch.undo()
        # the page stays at the head (the broker returns it in an order of its own)
        left = drained(ch, spec)
        assert set(left[:PAGE]) == page
        assert left[PAGE:] == [f"d{i}" for i in range(PAGE, depth)]


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
