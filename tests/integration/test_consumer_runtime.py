"""The broker-only consumer runtime against a real RabbitMQ vhost."""

from __future__ import annotations

import threading
import time
import uuid

import pika
import pytest

from bench import stages
from bus.consume import ConsumerLoop, LoopSettings, Outcome
from bus.stages import StageLog
from tests.support.broker import queue_depth
from tests.support.processes import wait_until
from tests.support.services import rabbitmqctl


@pytest.mark.usefixtures("rabbitmqctl_at_hand")
def test_result_of_a_batch_from_a_lost_connection_is_never_acked_on_the_new_one(amqp_url,
                                                                              caplog):
    name = f"runtime-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.queue_declare(name, durable=True)
        for i in range(20):
            ch.basic_publish("", name, b"{}", pika.BasicProperties(message_id=f"m{i}"))
    seen: list[str] = []
    held_batch_running, release = threading.Event(), threading.Event()

    def work(batch):
        if batch[0].message_id == "m5" and not held_batch_running.is_set():
            # the second batch outlives its connection; its old tag (10) would, on the new
            # channel, ack redelivered messages that no work has seen yet
            held_batch_running.set()
            release.wait(20)
        seen.extend(d.message_id for d in batch)
        return [Outcome("ack")] * len(batch)

    loop = ConsumerLoop(amqp_url, LoopSettings(queue=name, prefetch=20, max_batch=5,
                                               drain_deadline=0.5, name=f"{name}-loop"),
                        work)
    runner = threading.Thread(target=loop.run)
    runner.start()
    try:
        assert held_batch_running.wait(10)
        vhost = pika.URLParameters(amqp_url).virtual_host
        rabbitmqctl("close_all_connections", "-p", vhost, "test: connection lost mid-batch")
        wait_until(lambda: not loop.connected.is_set(), timeout=10, what="connection lost")
        wait_until(loop.connected.is_set, timeout=20, what="reconnected")
        release.set()
        wait_until(lambda: set(seen) >= {f"m{i}" for i in range(20)}, timeout=20,
                   what=lambda: f"every message handed to the work (saw {sorted(set(seen))})")
        wait_until(lambda: queue_depth(amqp_url, name) == 0, timeout=10, what="all acked")
        # an old tag acked on the new channel would have been refused by the broker
        # (unknown delivery tag) and cost a second reconnect, dropping its buffer
        lost = [r for r in caplog.records if "broker connection lost" in r.getMessage()]
        assert len(lost) == 1, [r.getMessage() for r in lost]
    finally:
        release.set()
        loop.stop()
        runner.join(15)


def test_a_quorum_queue_counts_unanswered_deliveries_as_the_runtime_reads_them(amqp_url):
    """What TrackedWork's delivery limit relies on: the broker's own count of returns."""
    from bus.consume import parse_delivery

    name = f"count-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum",
                                                        "x-delivery-limit": 5})
        ch.basic_publish("", name, b"{}", pika.BasicProperties(message_id="m-1"))
        seen = []
        for _ in range(3):  # taken and never answered: the channel closes under it
            ch = conn.channel()
            got = (None,)
            deadline = time.monotonic() + 10
            while got[0] is None and time.monotonic() < deadline:
                got = ch.basic_get(name)
            assert got[0] is not None, "the message came back"
            seen.append(parse_delivery(*got))
            ch.close()
        conn.channel().queue_delete(name)
    assert [d.broker_deliveries for d in seen] == [1, 2, 3]


def test_a_finished_batch_is_acked_at_once_not_at_the_next_poll(amqp_url, tmp_path):
    """The worker wakes the connection thread: a quiet queue does not hold the ack for
    the poll (here 2 s), and the stage log shows each batch's stages in order."""
    name = f"runtime-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        conn.channel().queue_declare(name, durable=True)
    log = StageLog(str(tmp_path / "consumer.jsonl"))

    def work(batch):
        time.sleep(0.05)  # busy while the broker is quiet
        return [Outcome("ack")] * len(batch)

    loop = ConsumerLoop(amqp_url, LoopSettings(queue=name, name=f"{name}-loop",
                                               poll_seconds=2.0), work, stages=log)
    runner = threading.Thread(target=loop.run)
    runner.start()
    try:
        wait_until(loop.connected.is_set, timeout=10, what="consuming")
        with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
            ch = conn.channel()
            for i in range(5):
                ch.basic_publish("", name, b"{}", pika.BasicProperties(message_id=f"m{i}"))
                wait_until(lambda i=i: f"m{i}" in stages.read(tmp_path), timeout=10,
                           interval=0.01, what=f"m{i} acked")
    finally:
        loop.stop()
        runner.join(15)
        log.close()
    logged = stages.read(tmp_path)
    for i in range(5):
        s = logged[f"m{i}"]
        assert s["delivered"] <= s["started"] <= s["worked"] <= s["acked"]
        assert s["acked"] - s["worked"] < 0.5, s
