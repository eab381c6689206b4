"""`make run`'s embedded SQLite has no NOTIFY: the relay is woken by commits (`PRAGMA
data_version`), so an event goes out well under a second after its transaction
committed, where the old one-second poll made every event wait up to a second."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pika
import pytest

from contracts.ratings import RatingChanged
from contracts.topology import EXCHANGE
from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from models.core.uow import UnitOfWork
from producers.publisher import ConfirmingPublisher
from producers.relay import Relay
from producers.sqlite_wake import SqliteCommits
from tests.support.outbox import unpublished

WELL_UNDER_A_SECOND = 0.5  # the old poll: ~1 s for a commit made as the relay went idle


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/venuebus.db"
    upgrade(url)
    return url


def rate(db: Database, n: int) -> tuple[str, float]:
    """Commit one rating event (as the API would): its message id and commit time."""
    with UnitOfWork(db) as uow:
        message_id = uow.record(RatingChanged(
            event_id=1, feedback_id=n, user_id=1, change="created", rating=5,
            previous_rating=None, changed_at="2027-01-01T00:00:00+00:00"))
        uow.commit()
    return message_id, time.perf_counter()


def test_relay_publishes_each_commit_well_under_a_second_on_sqlite(sqlite_url, amqp_url):
    """Each event is committed right after the previous one reached the broker, that is
    just as the relay goes back to sleep: the moment the old poll was slowest."""
    relay_db, api_db = Database(Config(database_url=sqlite_url)), \
        Database(Config(database_url=sqlite_url))
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = conn.channel()
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    tap = channel.queue_declare(f"tap-{uuid.uuid4().hex[:8]}", exclusive=True).method.queue
    channel.queue_bind(tap, EXCHANGE, routing_key="rating.#")
    relay = Relay(relay_db, ConfirmingPublisher(amqp_url))
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    delays = []
    try:
        for n in range(1, 7):
            message_id, committed = rate(api_db, n)
            for method, props, _body in channel.consume(tap, auto_ack=True,
                                                        inactivity_timeout=5):
                assert method is not None, f"event {n} not published within 5 s"
                if props.message_id == message_id:
                    delays.append(time.perf_counter() - committed)
                    break
            channel.cancel()
    finally:
        relay.stop()
        thread.join(10)
        conn.close()
    assert not thread.is_alive()
    assert max(delays) < WELL_UNDER_A_SECOND, [f"{d * 1000:.0f} ms" for d in delays]
    assert unpublished(api_db) == 0  # marked after the broker confirmed each
    relay_db.dispose()
    api_db.dispose()


def test_a_commit_from_another_process_wakes_the_watch_and_nothing_else_does(sqlite_url):
    db = Database(Config(database_url=sqlite_url))
    commits, stopping = SqliteCommits(db.engine, interval=0.005), threading.Event()
    assert commits.wait(0.1, stopping)  # the first look: nothing seen before
    assert not commits.wait(0.1, stopping)  # idle: no wake-up
    path = sqlite_url.split("///", 1)[1]
    subprocess.run([sys.executable, "-c", "import sqlite3; c = sqlite3.connect(" + repr(path)
                    + "); c.execute(\"INSERT INTO processed_messages (consumer, message_id, "
                    "processed_at) VALUES ('x', 'y', '2027-01-01')\"); c.commit()"],
                   check=True, timeout=30)
    started = time.monotonic()
    assert commits.wait(1.0, stopping)  # committed before the wait began: not missed
    assert time.monotonic() - started < 0.1
    assert not commits.wait(0.1, stopping)
    stopping.set()
    assert not commits.wait(5.0, stopping)  # stop() ends a wait at once
    commits.close()
    db.dispose()
