"""The spine through real processes: relay and consumers against PostgreSQL + RabbitMQ."""

from __future__ import annotations

import json
import threading
import time

import pika
import pytest
import requests
from sqlalchemy import select

from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from producers.broker import properties
from producers.publisher import ConfirmingPublisher, Outgoing
from tests.support.processes import free_port, wait_until
from tests.support.ratings import RatingWorkload, aggregates, all_applied, counts, truth
from tests.support.services import has_rabbitmqctl, rabbitmqctl

pytestmark = pytest.mark.slow
CONSUMER_READY = "consuming venuebus.ratings"


def test_feedbacks_posted_through_the_api_become_the_exact_average(procs):
    port = free_port()
    procs.start("api", "--port", str(port), "--workers", "2", ready="Booting worker")
    procs.start("relay", ready="relay running")
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    api = f"http://127.0.0.1:{port}"
    jsonapi = {"Content-Type": "application/vnd.api+json"}

    def token(email: str) -> dict:
        requests.post(f"{api}/v1/users", headers=jsonapi, timeout=10, json={"data": {
            "type": "user", "attributes": {"email": email, "password": "password123"}}})
        r = requests.post(f"{api}/v1/auth/login", timeout=10,
                          json={"email": email, "password": "password123"})
        return {**jsonapi, "Authorization": f"Bearer {r.json()['access_token']}"}

    owner = token("owner@example.com")
    event = requests.post(f"{api}/v1/events", headers=owner, timeout=10, json={"data": {
        "type": "event", "attributes": {"name": "PyCon", "starts-at": "2027-01-01T09:00:00Z",
                                        "ends-at": "2027-01-01T18:00:00Z"}}}).json()["data"]
    ids = []
    for i, rating in enumerate([5, 4, 1, 2]):
        r = requests.post(f"{api}/v1/feedbacks", headers=token(f"u{i}@example.com"), json={
            "data": {"type": "feedback", "attributes": {"rating": rating}, "relationships": {
                "event": {"data": {"type": "event", "id": event["id"]}}}}}, timeout=10)
        assert r.status_code == 201
        ids.append(r.json()["data"]["id"])
    u2 = token("u2@example.com")
    requests.patch(f"{api}/v1/feedbacks/{ids[2]}", headers=u2, timeout=10, json={"data": {
        "type": "feedback", "id": ids[2], "attributes": {"rating": 3}}})
    requests.delete(f"{api}/v1/feedbacks/{ids[3]}", headers=token("u3@example.com"),
                    timeout=10)

    def average():
        attrs = requests.get(f"{api}/v1/events/{event['id']}", timeout=10).json()["data"][
            "attributes"]
        return (attrs["average-rating"], attrs["rating-count"]) == (4.0, 3)

    wait_until(average, timeout=20, what="average 4.0 over 3 ratings")


def test_every_message_delivered_two_or_three_times_applies_once(db, procs, spine_env):
    work = RatingWorkload(db)
    for _ in range(150):
        work.step()
    procs.start("relay", ready="relay running")
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    wait_until(lambda: all_applied(db), timeout=30, what="first delivery applied")

    with db.session() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    publisher = ConfirmingPublisher(spine_env["AMQP_URL"])
    publisher.start()
    for copies in (1, 2):  # second and third deliveries of every message
        publisher.publish([Outgoing(r.routing_key, r.payload.encode(), properties(
            r.message_id, "venuebus." + r.routing_key)) for r in rows for _ in range(copies)])
    publisher.close()
    work.step()  # one new event after the duplicates: when it is applied, so are they
    wait_until(lambda: all_applied(db), timeout=30, what="duplicates consumed")
    assert counts(db)[2] == len(rows) + 1  # the duplicates added no tracking row
    assert aggregates(db) == truth(db)


@pytest.mark.skipif(not has_rabbitmqctl(), reason="needs rabbitmqctl on this machine")
def test_broker_restart_mid_stream_loses_nothing_and_doubles_nothing(db, procs, spine_env):
    work = RatingWorkload(db)
    relay = procs.start("relay", ready="relay running")
    consumer = procs.start("consume", "ratings", ready=CONSUMER_READY)
    vhost = requests.utils.unquote(spine_env["AMQP_URL"].rsplit("/", 1)[1])
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            work.step()
            time.sleep(0.005)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        time.sleep(1.5)
        rabbitmqctl("close_all_connections", "-p", vhost, "test: cut connections")
        time.sleep(1.5)
        rabbitmqctl("stop_app")
        time.sleep(2)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        time.sleep(1.5)
    finally:
        stop.set()
        producer.join()
    wait_until(lambda: all_applied(db), timeout=90,
               what=lambda: f"every event applied once: {counts(db)}")
    total, _, processed = counts(db)
    assert total == processed and total > 100
    assert relay.popen.poll() is None and consumer.popen.poll() is None  # recovered in place
    assert "reconnecting" in consumer.output()


def test_killed_consumer_and_relay_lose_nothing_after_restart(db, procs):
    work = RatingWorkload(db, events=5, users=40)
    for _ in range(3000):
        work.step()
    relay = procs.start("relay", "--batch-size", "200", ready="relay running")
    consumer = procs.start("consume", "ratings", "--prefetch", "50", ready=CONSUMER_READY)
    wait_until(lambda: 0 < counts(db)[2], timeout=20, what="consumer to start applying")
    consumer.kill()
    wait_until(lambda: 0 < counts(db)[1], timeout=20, what="relay to publish")
    relay.kill()
    total, _, applied = counts(db)
    assert applied < total  # killed mid-stream: work was left for the restart
    procs.start("relay", "--batch-size", "200", ready="relay running")
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    wait_until(lambda: all_applied(db), timeout=60, what="every event applied once")


def test_poison_message_is_dead_lettered_alone_and_replayed_once_fixed(db, procs, spine_env):
    from models.catalog.tables import Event

    work = RatingWorkload(db, events=1)
    procs.start("relay", ready="relay running")
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    poison = {"specversion": "1.0", "id": "poison-1", "type": "venuebus.rating.changed",
              "data": {"event_id": 999, "feedback_id": 1, "user_id": 1, "change": "created",
                       "rating": 5, "previous_rating": None}}
    publisher = ConfirmingPublisher(spine_env["AMQP_URL"])
    publisher.start()
    publisher.publish([Outgoing("rating.changed", json.dumps(poison).encode(),
                                properties("poison-1", "venuebus.rating.changed"))])
    publisher.close()
    for _ in range(50):
        work.step()
    wait_until(lambda: all_applied(db), timeout=30, what="the rest of the stream")

    def dead_letters() -> str:
        listing = procs.start("dlq", "list", "ratings")
        assert listing.popen.wait(30) == 0
        return listing.output()

    def poison_dead() -> str:
        out = dead_letters()
        return out if "1 dead letter" in out else ""

    listing = wait_until(poison_dead, timeout=20, what="the poison in the dead-letter queue")
    assert "poison-1" in listing and "attempts=3" in listing and "UnknownEvent" in listing

    with db.session() as s:  # the fix: the event it refers to now exists
        owner = s.scalars(select(Event)).first().owner_id
        s.add(Event(id=999, name="late", owner_id=owner, starts_at=utcnow(), ends_at=utcnow()))
        s.commit()
    replay = procs.start("dlq", "replay", "ratings", "--id", "poison-1")
    assert replay.popen.wait(30) == 0 and "replayed 1" in replay.output()
    wait_until(lambda: aggregates(db).get(999) == (5.0, 1), timeout=20, what="replayed poison")
    assert "0 dead letter" in dead_letters()


def _hold_event_lock(db, event_id: int, seconds: float) -> threading.Thread:
    """Keep the event row locked so the consumer's update waits (work in flight)."""
    locked = threading.Event()

    def hold() -> None:
        from sqlalchemy import text

        with db.engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": event_id})
            locked.set()
            time.sleep(seconds)

    t = threading.Thread(target=hold)
    t.start()
    assert locked.wait(10), "the event row was not locked"  # else the test proves nothing
    return t


def _waiting_on_a_lock(db) -> bool:
    """Some session of this database (the consumer's) waits for a row lock."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar())


def _in_flight(db, procs, work: RatingWorkload, seconds: float) -> threading.Thread:
    """Record one rating, then lock its event row, then start the relay: the consumer
    receives the event and blocks on the lock (recording it would block on the lock
    too, and the consumer would only see it after the lock was gone)."""
    work.step()
    holder = _hold_event_lock(db, work.events[0], seconds=seconds)
    procs.start("relay", ready="relay running")
    wait_until(lambda: _waiting_on_a_lock(db), timeout=10, what="the consumer blocked: in flight")
    return holder


def test_sigterm_drains_in_flight_work_and_acks_it(db, procs, spine_env):
    work = RatingWorkload(db, events=1)
    consumer = procs.start("consume", "ratings", ready=CONSUMER_READY)
    holder = _in_flight(db, procs, work, seconds=3.0)
    started = time.monotonic()
    code = consumer.terminate(timeout=40)
    holder.join()
    # it waited for the lock's release (the work in flight), within the drain deadline
    assert code == 0 and 1.0 < time.monotonic() - started < 30
    assert "consumer ratings stopped" in consumer.output()
    assert all_applied(db)
    with pika.BlockingConnection(pika.URLParameters(spine_env["AMQP_URL"])) as conn:
        assert conn.channel().queue_declare("venuebus.ratings", passive=True) \
            .method.message_count == 0  # acked, not requeued


def test_drain_deadline_bounds_shutdown_and_the_work_is_redone_once(db, procs):
    work = RatingWorkload(db, events=1)
    consumer = procs.start("consume", "ratings", "--drain-deadline", "1", ready=CONSUMER_READY)
    holder = _in_flight(db, procs, work, seconds=6.0)
    started = time.monotonic()
    consumer.terminate(timeout=20)
    assert time.monotonic() - started < 5
    assert "drain deadline passed" in consumer.output()
    holder.join()
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    wait_until(lambda: all_applied(db), timeout=20, what="redelivered work applied once")


def test_slow_handler_keeps_its_connection_through_heartbeats(db, procs, spine_env):
    work = RatingWorkload(db, events=1)
    env = {"AMQP_URL": spine_env["AMQP_URL"] + "?heartbeat=1"}
    consumer = procs.start("consume", "ratings", ready=CONSUMER_READY, env=env)
    holder = _in_flight(db, procs, work, seconds=6.0)  # 6 heartbeat intervals
    holder.join()
    wait_until(lambda: all_applied(db), timeout=20, what="slow work applied")
    assert "connection lost" not in consumer.output()


def test_status_and_metrics_show_what_operators_need(db, procs, spine_env):
    work = RatingWorkload(db, events=2)
    relay_port, consumer_port = free_port(), free_port()
    procs.start("relay", "--metrics-port", str(relay_port), ready="relay running")
    procs.start("consume", "ratings", "--metrics-port", str(consumer_port),
                ready=CONSUMER_READY)
    for _ in range(20):
        work.step()
    wait_until(lambda: all_applied(db), timeout=20, what="events applied")
    with pika.BlockingConnection(pika.URLParameters(spine_env["AMQP_URL"])) as conn:
        for i in range(2):  # two dead letters waiting for an operator
            conn.channel().basic_publish("", "venuebus.ratings.dead", b"{}",
                                         pika.BasicProperties(message_id=f"dead-{i}"))
    relay_metrics = requests.get(f"http://127.0.0.1:{relay_port}/metrics", timeout=5).text
    consumer_metrics = requests.get(f"http://127.0.0.1:{consumer_port}/metrics", timeout=5).text
    assert "venuebus_relay_published_total 20.0" in relay_metrics
    assert 'venuebus_consumed_total{consumer="ratings"} 20.0' in consumer_metrics
    assert "venuebus_handler_seconds_bucket" in consumer_metrics
    assert 'venuebus_dead_letter_depth{consumer="ratings"} 2.0' in consumer_metrics
    status = procs.start("status")
    assert status.popen.wait(30) == 0
    out = status.output()
    assert "outbox: 0 unpublished" in out
    line = next(x for x in out.splitlines() if x.startswith("venuebus.ratings "))
    assert line.split()[1:] == ["0", "1", "2"]  # ready, consumers, dead


def test_database_outage_mid_stream_loses_nothing_and_doubles_nothing(db, procs, spine_env):
    """The database refuses connections and drops every session while events flow: once
    as the consumer starts with a backlog in its queue, once mid-stream. Relay and
    consumer wait it out without a restart, and every event applies exactly once."""
    from sqlalchemy import create_engine, text

    work = RatingWorkload(db)
    relay = procs.start("relay", ready="relay running")
    name = db.engine.url.database
    admin = create_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            work.step()
            time.sleep(0.003)

    def outage(conn, seconds: float, during=lambda: None) -> None:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        during()
        time.sleep(seconds)
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    producer = threading.Thread(target=produce)
    producer.start()
    consumer = None
    try:
        wait_until(lambda: counts(db)[1] > 50, timeout=20, what="a backlog in the queue")
        with admin.connect() as conn:
            def start_consumer() -> None:
                nonlocal consumer
                consumer = procs.start("consume", "ratings", ready=CONSUMER_READY)

            outage(conn, 3.0, during=start_consumer)
            time.sleep(1.5)
            outage(conn, 2.0)
    finally:
        stop.set()
        producer.join()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    db.engine.dispose()  # the test's own pooled connections were terminated too
    wait_until(lambda: all_applied(db), timeout=60,
               what=lambda: f"every event applied once: {counts(db)}")
    assert counts(db)[0] > 100
    assert relay.popen.poll() is None and consumer.popen.poll() is None
    assert "database unavailable" in consumer.output()
    assert "relay error" in relay.output()


def test_queue_declared_with_other_arguments_is_a_clear_error_not_a_crash_loop(procs,
                                                                                 spine_env):
    with pika.BlockingConnection(pika.URLParameters(spine_env["AMQP_URL"])) as conn:
        conn.channel().queue_declare("venuebus.ratings", durable=True)  # classic, no limits
    consumer = procs.start("consume", "ratings")
    assert consumer.popen.wait(30) == 78  # EX_CONFIG: a supervisor must not restart it
    assert "already exists with different arguments" in consumer.output()
    relay = procs.start("relay")
    assert relay.popen.wait(30) == 78
    assert "rabbitmqctl delete_queue" in relay.output()
