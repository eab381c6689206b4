"""The relay and the consumers ride out a PostgreSQL restart (or a failover to a standby):
every session dropped and new ones refused for a while, as a restarting server does. The
machine's server is not restarted: the test database alone refuses connections
(`ALLOW_CONNECTIONS false`) while all its backends are terminated."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

import pika
import pytest
from sqlalchemy import create_engine, text

from bus.connection import connection_parameters
from consumers.app import build_consumer
from models.core.config import Config
from models.core.db import Database
from producers.declare import declare_all
from producers.publisher import ConfirmingPublisher
from producers.relay import Relay
from tests.support.processes import wait_until
from tests.support.ratings import RatingWorkload, all_applied, counts
from tests.support.services import fresh_vhost, rabbitmq_server

pytestmark = pytest.mark.slow


@pytest.fixture
def own_vhost():
    """A vhost of its own: the relay and the consumers declare the whole topology."""
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


@contextlib.contextmanager
def running(target, stop) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop()
        thread.join(30)


def restart_database(admin, name: str, down_for: float, during=lambda: None) -> None:
    """What clients see of a restart: every session of `name` dropped, and connections
    refused for `down_for` seconds."""
    admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    try:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        during()
        time.sleep(down_for)
    finally:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


def test_relay_and_consumers_ride_out_a_database_restart(db, own_vhost, caplog):
    """The processes are configured with a plain `postgres://` URL, as a user writes it.
    A backlog waits in the queue when the database goes down; two competing consumers
    start during the outage, the relay is mid-stream. Afterwards every event has applied
    exactly once, and the relay listens again: with polling turned down to 60 s, an event
    committed after the restart still goes out at once (NOTIFY)."""
    caplog.set_level(logging.INFO)
    url = db.engine.url.set(drivername="postgres").render_as_string(hide_password=False)
    assert url.startswith("postgres://")
    config = Config(database_url=url, amqp_url=own_vhost, retry_delays_ms=(200, 400),
                    delivery_limit=5)
    work = RatingWorkload(db)

    def declare() -> None:
        with pika.BlockingConnection(connection_parameters(own_vhost)) as conn:
            declare_all(conn.channel(), config)

    declare()
    relay = Relay(Database(config), ConfirmingPublisher(own_vhost), batch_size=50,
                  poll_interval=60, declare=declare)
    loops = [build_consumer(config, "ratings", drain_deadline=5)[0] for _ in range(2)]
    admin_engine = create_engine(db.engine.url.set(database="postgres"),
                                 isolation_level="AUTOCOMMIT")
    name = db.engine.url.database
    with running(relay.run, relay.stop) as relay_thread, admin_engine.connect() as admin:
        for _ in range(60):
            work.step()
        wait_until(lambda: counts(db)[1] == counts(db)[0], timeout=20,
                   what="the backlog published")
        consumer_threads = []

        def start_consumers() -> None:
            for loop in loops:
                consumer_threads.append(threading.Thread(target=loop.run, daemon=True))
                consumer_threads[-1].start()
            for loop in loops:
                wait_until(loop.connected.is_set, timeout=20, what="consumer connected")

        try:
            restart_database(admin, name, 3.0, during=start_consumers)
            db.engine.dispose()  # the test's own pooled sessions were dropped too
            for _ in range(40):
                work.step()
            restart_database(admin, name, 2.0)  # mid-stream, a second time
            db.engine.dispose()
            for _ in range(40):
                work.step()
            wait_until(lambda: all_applied(db), timeout=60,
                       what=lambda: f"every event applied once: {counts(db)}")
            assert counts(db)[0] >= 140
            # re-LISTENed: a new event goes out long before the 60 s poll
            published = counts(db)[1]
            work.step()
            wait_until(lambda: counts(db)[1] > published, timeout=10,
                       what="an event after the restart published on NOTIFY")
            wait_until(lambda: all_applied(db), timeout=20, what="the last event applied")
            assert relay_thread.is_alive() and all(t.is_alive() for t in consumer_threads)
        finally:
            for loop in loops:
                loop.stop()
            for t in consumer_threads:
                t.join(30)
    admin_engine.dispose()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "database unavailable" in logged  # the consumers met the outage
    assert relay.metrics.failures._value.get() > 0  # and so did the relay
