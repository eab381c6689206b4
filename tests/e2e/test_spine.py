"""The spine through real processes: relay and consumers against PostgreSQL + RabbitMQ."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from urllib.parse import unquote

import pika
import pytest
import requests
from sqlalchemy import select, text

from bus.messages import properties
from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from producers.publisher import ConfirmingPublisher, Outgoing
from tests.support.in_flight import EventRowLock, waiting_on_a_lock
from tests.support.processes import free_port, wait_until
from tests.support.ratings import RatingWorkload, aggregates, all_applied, counts, truth

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


def _more_applied(db, what: str, more: int = 30) -> None:
    """Wait until `more` further events are applied: the stream flows at this point
    (a count of events, not a rate: the machine's speed does not matter)."""
    mark = counts(db)[2]
    wait_until(lambda: counts(db)[2] >= mark + more, timeout=60,
               what=lambda: f"{more} more events applied {what}: {counts(db)}")


def test_broker_cut_stopped_and_started_mid_stream_loses_nothing_and_doubles_nothing(
        db, node_procs, node_env, rabbit_node):
    """The private node cuts every connection, then stops and starts its application
    while events flow: the relay sees both failures, relay and consumer recover in
    place, and every event applies exactly once."""
    work = RatingWorkload(db)
    metrics_port = free_port()
    relay = node_procs.start("relay", "--metrics-port", str(metrics_port), ready="relay running")
    consumer = node_procs.start("consume", "ratings", ready=CONSUMER_READY)
    vhost = unquote(node_env["AMQP_URL"].rsplit("/", 1)[1])

    def relay_failures() -> float:
        page = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        return float(re.search(r"^venuebus_relay_failures_total (\S+)$", page, re.M)[1])

    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            work.step()
            time.sleep(0.005)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        _more_applied(db, "before the faults")
        assert relay_failures() == 0
        rabbit_node.ctl("close_all_connections", "-p", vhost, "test: cut connections")
        wait_until(lambda: relay_failures() >= 1, timeout=30, what="the relay to see the cut")
        wait_until(lambda: consumer.output().count(CONSUMER_READY) >= 2, timeout=30,
                   what="the consumer to reconnect after the cut")
        _more_applied(db, "after the cut")
        cut_failures = relay_failures()
        rabbit_node.stop_app()
        try:
            wait_until(lambda: "cannot connect to the broker" in relay.output(), timeout=30,
                       what="the relay to find the broker down")
            assert relay_failures() > cut_failures
            assert "broker connection lost" in consumer.output()
        finally:
            rabbit_node.start_app()
        _more_applied(db, "after the broker came back")  # relay and consumer reconnected
    finally:
        stop.set()
        producer.join()
    wait_until(lambda: all_applied(db), timeout=90,
               what=lambda: f"every event applied once: {counts(db)}")
    assert relay.popen.poll() is None and consumer.popen.poll() is None  # recovered in place
    assert consumer.output().count(CONSUMER_READY) >= 3  # first session, after cut, after stop


def _unpublished_rows_locked_elsewhere(db) -> int:
    """Unpublished outbox rows another transaction holds locked: a relay's claimed
    batches, sent and waiting for their confirms."""
    with db.engine.connect() as conn:
        unpublished = conn.execute(text(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
        free = conn.execute(text("SELECT count(*) FROM (SELECT id FROM outbox WHERE "
                                 "published_at IS NULL FOR UPDATE SKIP LOCKED) AS f")).scalar()
        conn.rollback()  # our own row locks go at once
    return unpublished - free


def _ready_messages(amqp_url: str, queue: str = "venuebus.ratings") -> int:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def test_relay_killed_with_a_backlog_in_flight_loses_nothing_after_restart(
        db, node_procs, node_env, rabbit_node):
    """SIGKILL the relay while batches of a backlog are sent and unconfirmed (the broker
    blocks publishers), then the consumer mid-stream: every event applies once."""
    work = RatingWorkload(db, events=5, users=40)
    for _ in range(300):
        work.step()
    relay = node_procs.start("relay", "--batch-size", "200", ready="relay running")
    wait_until(lambda: counts(db)[1] == 300, timeout=30, what="the first events published")
    assert relay.terminate() == 0
    for _ in range(2000):  # the backlog (10 batches), recorded while no relay runs
        work.step()

    with rabbit_node.publishers_blocked():
        relay = node_procs.start("relay", "--batch-size", "200", ready="relay running")
        seen: list[tuple[int, int]] = []

        def stuck_in_flight() -> tuple[int, int] | None:
            """(published rows, rows in flight), once two looks agree: nothing moves."""
            seen.append((counts(db)[1], _unpublished_rows_locked_elsewhere(db)))
            return seen[-1] if len(seen) > 1 and seen[-1] == seen[-2] and seen[-1][1] else None

        published, in_flight = wait_until(stuck_in_flight, timeout=30, interval=0.3,
                                          what=lambda: f"batches in flight: {seen[-3:]}")
        relay.kill()
        total, published_at_kill, _ = counts(db)
        queued = _ready_messages(node_env["AMQP_URL"])
    assert published_at_kill == published  # the look above is the state at the kill:
    assert in_flight >= 1 and 300 <= published < total  # in flight, some published, not all
    # a row marked published is a message the broker confirmed, so it is in the queue
    assert published <= queued, (published, queued)

    consumer = node_procs.start("consume", "ratings", "--prefetch", "50", ready=CONSUMER_READY)
    wait_until(lambda: 0 < counts(db)[2], timeout=20, what="consumer to start applying")
    consumer.kill()
    assert counts(db)[2] < total  # killed mid-stream: work was left for the restart
    node_procs.start("relay", "--batch-size", "200", ready="relay running")
    node_procs.start("consume", "ratings", ready=CONSUMER_READY)
    wait_until(lambda: all_applied(db), timeout=90,
               what=lambda: f"every event applied once: {counts(db)}")


def test_poison_message_is_dead_lettered_alone_and_replayed_once_fixed(db, procs, spine_env):
    from models.catalog.tables import Event

    work = RatingWorkload(db, events=1)
    procs.start("relay", ready="relay running")
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    poison = {"specversion": "1.0", "id": "poison-1", "type": "venuebus.rating.changed",
              "data": {"event_id": 999, "feedback_id": 1, "user_id": 1, "change": "created",
                       "rating": 5, "previous_rating": None,
                       "changed_at": "2026-12-07T09:00:00+00:00"}}  # a whole RatingChanged
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


def _in_flight(db, procs, work: RatingWorkload) -> EventRowLock:
    """Record one rating, then lock its event row, then start the relay: the consumer
    receives the event and blocks on the lock (recording it would block on the lock
    too, and the consumer would only see it after the lock was gone)."""
    work.step()
    lock = EventRowLock(db, work.events[0])
    procs.start("relay", ready="relay running")
    wait_until(lambda: waiting_on_a_lock(db), timeout=10, what="the consumer blocked: in flight")
    return lock


def test_sigterm_drains_in_flight_work_and_acks_it(db, procs, spine_env):
    work = RatingWorkload(db, events=1)
    consumer = procs.start("consume", "ratings", ready=CONSUMER_READY)
    lock = _in_flight(db, procs, work)
    try:
        consumer.popen.send_signal(signal.SIGTERM)
        consumer.wait_for_output("draining")
        assert consumer.popen.poll() is None  # still draining: its work waits on the lock
        assert counts(db)[2] == 0
    finally:
        lock.release()  # the work in flight can finish now
    assert consumer.popen.wait(40) == 0
    assert "consumer ratings stopped" in consumer.output()
    assert "drain deadline passed" not in consumer.output()
    assert all_applied(db)  # the drained work committed before the exit
    assert _ready_messages(spine_env["AMQP_URL"]) == 0  # and was acked, not requeued


def test_drain_deadline_bounds_shutdown_and_the_work_is_redone_once(db, procs, spine_env):
    work = RatingWorkload(db, events=1)
    consumer = procs.start("consume", "ratings", "--drain-deadline", "1", ready=CONSUMER_READY)
    lock = _in_flight(db, procs, work)
    try:
        # terminate() kills after 30 s (exit -9): a 0 here means it left on its own, with
        # its work still stuck behind the lock
        assert consumer.terminate(timeout=30) == 0
        assert "drain deadline passed" in consumer.output()
        assert counts(db)[2] == 0  # abandoned, not applied
        wait_until(lambda: _ready_messages(spine_env["AMQP_URL"]) == 1, timeout=20,
                   what="the abandoned message back in the queue")
    finally:
        lock.release()
    procs.start("consume", "ratings", ready=CONSUMER_READY)
    wait_until(lambda: all_applied(db), timeout=20, what="redelivered work applied once")


def test_slow_handler_keeps_its_connection_through_heartbeats(db, procs, spine_env):
    work = RatingWorkload(db, events=1)
    env = {"AMQP_URL": spine_env["AMQP_URL"] + "?heartbeat=1"}
    consumer = procs.start("consume", "ratings", ready=CONSUMER_READY, env=env)
    lock = _in_flight(db, procs, work)
    time.sleep(6.0)  # six heartbeat intervals with the work in flight
    lock.release()
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
        _more_applied(db, "after the outages")
    finally:
        stop.set()
        producer.join()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    db.engine.dispose()  # the test's own pooled connections were terminated too
    wait_until(lambda: all_applied(db), timeout=60,
               what=lambda: f"every event applied once: {counts(db)}")
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
