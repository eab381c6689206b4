"""The relay against real PostgreSQL (and SQLite) and a real RabbitMQ vhost."""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict

import pika
import pytest

from bus.messages import properties
from contracts.ratings import RatingChanged
from contracts.topology import EXCHANGE, queue_name
from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from models.core.uow import UnitOfWork
from producers.publisher import ConfirmingPublisher, Outgoing, PublishFailed
from producers.relay import Relay
from tests.support.broker import declare_topology, queue_depth
from tests.support.outbox import unpublished
from tests.support.processes import wait_until
from tests.support.watched_publisher import WatchedPublisher


def record_events(db: Database, n: int, aggregates: int = 10) -> None:
    """n rating events spread over `aggregates` events, with a sequence number in
    `feedback_id` per aggregate so order can be checked on the far side."""
    seq: dict[int, int] = defaultdict(int)
    with UnitOfWork(db) as uow:
        for i in range(n):
            event_id = i % aggregates
            seq[event_id] += 1
            uow.record(RatingChanged(event_id=event_id, feedback_id=seq[event_id], user_id=1,
                                     change="created", rating=1, previous_rating=None,
                                     changed_at="2027-01-01T00:00:00+00:00"))
        uow.commit()


@pytest.fixture
def tap(amqp_url):
    """A queue bound to every key: what the relay published, in order."""
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    name = f"tap-{uuid.uuid4().hex[:8]}"
    ch.queue_declare(name, exclusive=True)
    ch.queue_bind(name, EXCHANGE, routing_key="#")

    def drain() -> list[tuple[pika.BasicProperties, dict]]:
        out = []
        while True:
            method, props, body = ch.basic_get(name, auto_ack=True)
            if method is None:
                return out
            out.append((props, json.loads(body)))

    yield drain
    conn.close()


def test_a_relay_built_with_its_defaults_is_the_relay_that_ships(db, amqp_url):
    shipped = Config(database_url=db.config.database_url)
    relay = Relay(db, ConfirmingPublisher(amqp_url))
    assert (relay.window, relay.claim_on_notify) == \
        (shipped.relay_window, shipped.relay_claim_on_notify)


def test_relay_publishes_cloudevents_and_marks_rows_after_confirm(db, amqp_url, tap):
    record_events(db, 25)
    publisher = WatchedPublisher(amqp_url, look=lambda: unpublished(db))
    publisher.start()
    assert Relay(db, publisher).relay_once() == 25
    publisher.close()
    # sent while all 25 were unpublished, confirmed while still unpublished, marked after
    assert publisher.seen == [("publishing", 25), ("confirmed", 25)]
    assert unpublished(db) == 0
    got = tap()
    assert len(got) == 25
    props, doc = got[0]
    assert props.delivery_mode == 2 and props.content_type == "application/cloudevents+json"
    assert props.message_id == doc["id"] and props.type == "venuebus.rating.changed"
    assert doc["specversion"] == "1.0" and doc["subject"] == "event/0"


def test_broker_down_leaves_rows_unpublished(db):
    record_events(db, 5)
    publisher = ConfirmingPublisher("amqp://guest:guest@127.0.0.1:1/%2F")
    with pytest.raises(PublishFailed):
        publisher.start(timeout=5)
    with pytest.raises(PublishFailed):
        Relay(db, publisher).relay_once()
    assert unpublished(db) == 5


def test_two_relays_publish_each_row_once_and_keep_aggregate_order(db, amqp_url, tap):
    record_events(db, 3000, aggregates=7)
    relays = [Relay(Database(db.config), ConfirmingPublisher(amqp_url), batch_size=100)
              for _ in range(2)]
    published = [0, 0]

    def run(i: int) -> None:
        relays[i].publisher.start()
        while (n := relays[i].relay_once()) or unpublished(db):
            published[i] += n
        relays[i].publisher.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    got = tap()
    ids = [doc["id"] for _, doc in got]
    assert len(ids) == 3000 and len(set(ids)) == 3000
    assert all(published)  # both relays took part
    last: dict[int, int] = {}
    for _, doc in got:
        agg, seq = doc["data"]["event_id"], doc["data"]["feedback_id"]
        assert seq == last.get(agg, 0) + 1, f"aggregate {agg} out of order"
        last[agg] = seq


def test_relay_works_on_sqlite(tmp_path, amqp_url, tap):
    url = f"sqlite:///{tmp_path}/relay.db"
    upgrade(url)
    db = Database(Config(database_url=url))
    record_events(db, 10)
    publisher = ConfirmingPublisher(amqp_url)
    publisher.start()
    assert Relay(db, publisher).relay_once() == 10
    publisher.close()
    assert unpublished(db) == 0 and len(tap()) == 10
    db.dispose()


def test_an_event_whose_queue_is_missing_stays_unpublished_until_the_relay_declares_it(
        db, own_vhost):
    """RabbitMQ returns, then confirms, a message no queue takes. For an event a consumer
    queue is bound to, that must fail the batch (not mark it published); the relay
    declares the topology on its next connection and the event arrives."""
    amqp_url = own_vhost
    config = Config(database_url=db.config.database_url, amqp_url=amqp_url)

    def declare() -> None:
        declare_topology(amqp_url, config)

    declare()
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        conn.channel().queue_delete(queue_name("ratings"))  # an operator's mistake
    record_events(db, 3)
    publisher = ConfirmingPublisher(amqp_url)
    publisher.start()
    with pytest.raises(PublishFailed, match="queue is missing"):
        Relay(db, publisher).relay_once()
    publisher.close()
    assert unpublished(db) == 3

    relay = Relay(db, ConfirmingPublisher(amqp_url), declare=declare, poll_interval=0.1)
    runner = threading.Thread(target=relay.run)
    runner.start()
    try:
        wait_until(lambda: unpublished(db) == 0, timeout=20, what="the rows published")
    finally:
        relay.stop()
        runner.join(20)
    assert queue_depth(amqp_url, queue_name("ratings")) == 3


def test_a_returned_speaker_command_is_counted_not_failed(db, amqp_url):
    """Commands to a speaker whose device never connected have no queue: dropped."""
    publisher = ConfirmingPublisher(amqp_url)
    publisher.start()
    publisher.publish([Outgoing("speaker.999.command", b"{}", properties("m-1", "t"))])
    publisher.close()
    assert publisher.returned == 1
