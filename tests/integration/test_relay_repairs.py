"""The relay's repairs from review: stop and gauges during a long drain, quarantine of a
row the broker keeps refusing, and a topology mismatch after a reconnect."""

from __future__ import annotations

import threading
import uuid

import pika
import pytest
from sqlalchemy import select

import producers.relay as relay_module
from bus.connection import TopologyMismatch
from contracts.ratings import RatingChanged
from contracts.topology import queue_name
from models.core.config import Config
from models.core.outbox import OutboxMessage, release_quarantined
from models.core.uow import UnitOfWork, outbox_row
from producers.declare import declare_all
from producers.publisher import ConfirmingPublisher
from producers.relay import Relay
from tests.support.processes import wait_until
from tests.support.services import fresh_vhost, rabbitmq_server, rabbitmqctl

REFUSED_KEY = "probe.refused"


@pytest.fixture
def own_vhost():
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


def rating(event_id: int, n: int) -> RatingChanged:
    return RatingChanged(event_id=event_id, feedback_id=n, user_id=1, change="created",
                         rating=1, previous_rating=None, changed_at="2027-01-01T00:00:00+00:00")


def record(db, events) -> None:
    with UnitOfWork(db) as uow:
        for e in events:
            uow.record(e)
        uow.commit()


def declare(amqp_url: str, config: Config) -> None:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        declare_all(conn.channel(), config)


def depth(amqp_url: str, queue: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def rows(db) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def run_in_thread(relay: Relay) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            relay.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, errors


def test_stop_is_obeyed_during_a_long_drain_and_gauges_move_per_batch(db, own_vhost,
                                                                      monkeypatch):
    monkeypatch.setattr(relay_module, "GAUGE_INTERVAL_S", 0)
    declare(own_vhost, Config(database_url=db.config.database_url, amqp_url=own_vhost))
    record(db, [rating(i % 5, i) for i in range(200)])
    relay = Relay(db, ConfirmingPublisher(own_vhost), batch_size=10)
    relay.publisher.start()
    seen_pending: list[float] = []
    claim = relay._claim

    def claim_and_watch(in_flight):
        seen_pending.append(relay.metrics.pending._value.get())
        if len(seen_pending) == 6:
            relay.stop()  # as SIGTERM would, half way through the backlog
        return claim(in_flight)

    monkeypatch.setattr(relay, "_claim", claim_and_watch)
    published = relay.drain()
    relay.publisher.close()
    assert published < 200, "the drain went on after stop()"
    assert sum(1 for r in rows(db) if r.published_at is None) == 200 - published
    assert any(0 < p < 200 for p in seen_pending), f"gauge never moved: {seen_pending}"


def test_a_row_the_broker_keeps_refusing_is_quarantined_and_replayed_once_fixed(db,
                                                                               own_vhost):
    """A queue that rejects every publish makes the broker nack one row. After
    `max_attempts` refusals it is set aside; the rows behind it, its aggregate's too, go
    out. Replayed once the cause is fixed, it is published."""
    config = Config(database_url=db.config.database_url, amqp_url=own_vhost)
    declare(own_vhost, config)
    with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
        ch = conn.channel()
        ch.queue_declare("refuser", arguments={"x-max-length": 0,
                                               "x-overflow": "reject-publish"})
        ch.queue_bind("refuser", "venuebus.events", routing_key=REFUSED_KEY)
    poison = {**outbox_row(rating(0, 0)), "routing_key": REFUSED_KEY}
    with UnitOfWork(db) as uow:
        uow.session.execute(OutboxMessage.__table__.insert(), poison)
        uow.commit()
    record(db, [rating(i % 3, i) for i in range(1, 13)])  # event 0's rows come after it

    relay = Relay(db, ConfirmingPublisher(own_vhost), poll_interval=0.1, max_attempts=3,
                  declare=lambda: declare(own_vhost, config))
    thread, errors = run_in_thread(relay)
    try:
        wait_until(lambda: all(r.published_at for r in rows(db)
                               if r.routing_key != REFUSED_KEY), timeout=60,
                   what="the rows behind the refused one published")
        held = next(r for r in rows(db) if r.routing_key == REFUSED_KEY)
        assert held.published_at is None and held.quarantined_at is not None
        assert held.attempts == 3
        # each failed batch also counts a (confirmed) attempt of the rows sent with it
        assert all(r.attempts >= 1 for r in rows(db) if r.routing_key != REFUSED_KEY)
        wait_until(lambda: relay.metrics.quarantined._value.get() == 1, timeout=5,
                   what="the quarantine gauge")

        with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
            conn.channel().queue_delete("refuser")  # the operator fixes the cause
        with db.session() as s:
            assert release_quarantined(s) == 1
            s.commit()
        wait_until(lambda: all(r.published_at for r in rows(db)), timeout=20,
                   what="the replayed row published")
        held = next(r for r in rows(db) if r.routing_key == REFUSED_KEY)
        assert held.attempts == 4 and held.quarantined_at is None
    finally:
        relay.stop()
        thread.join(20)
    assert not errors


@pytest.mark.usefixtures("rabbitmqctl_at_hand")
def test_topology_mismatch_after_a_reconnect_stops_the_relay(db, own_vhost):
    config = Config(database_url=db.config.database_url, amqp_url=own_vhost)
    relay = Relay(db, ConfirmingPublisher(own_vhost), poll_interval=0.1,
                  declare=lambda: declare(own_vhost, config))
    thread, errors = run_in_thread(relay)
    try:
        wait_until(lambda: relay.publisher.connected, timeout=20, what="relay connected")
        with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
            ch = conn.channel()
            ch.queue_delete(queue_name("ratings"))
            ch.queue_declare(queue_name("ratings"), durable=True)  # classic: a mismatch
        vhost = pika.URLParameters(own_vhost).virtual_host
        rabbitmqctl("close_all_connections", "-p", vhost, f"test {uuid.uuid4().hex[:6]}")
        thread.join(30)
        assert not thread.is_alive(), "the relay keeps retrying a mismatch"
    finally:
        relay.stop()
        thread.join(5)
    assert len(errors) == 1 and isinstance(errors[0], TopologyMismatch)
