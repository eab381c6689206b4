"""The relay on PostgreSQL claims new rows when their NOTIFY comes, even while an earlier
batch still awaits its confirm; per-aggregate order holds across those batches."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from bench import stages
from bus.stages import StageLog
from contracts.ratings import RatingChanged
from contracts.topology import queue_name
from models.core.db import Database
from models.core.outbox import NOTIFY_CHANNEL
from models.core.uow import UnitOfWork
from producers.relay import LOCK_TIMEOUT_MS, Relay, relay_database
from tests.support.broker import declare_topology, queue_depth, take_all
from tests.support.in_flight import waiting_on_a_lock
from tests.support.outbox import unpublished
from tests.support.processes import wait_until
from tests.support.slow_confirms import SlowConfirms

CONFIRM_DELAY = 0.8


def rate(db: Database, seq: int) -> str:
    """One rating event of event 1 (one aggregate), committed alone; its message id."""
    with UnitOfWork(db) as uow:
        message_id = uow.record(RatingChanged(
            event_id=1, feedback_id=seq, user_id=1, change="created", rating=1,
            previous_rating=None, changed_at="2027-01-01T00:00:00+00:00"))
        uow.commit()
    return message_id


@pytest.mark.parametrize("claim_on_notify", [True, False])
def test_a_notify_claims_new_rows_while_the_oldest_batch_awaits_its_confirm(
        db, config, own_vhost, tmp_path, claim_on_notify):
    declare_topology(own_vhost, config)
    log = StageLog(str(tmp_path / "relay.jsonl"))
    relay = Relay(db, SlowConfirms(own_vhost, CONFIRM_DELAY), poll_interval=2,
                  claim_on_notify=claim_on_notify, stages=log)
    first = rate(db, 1)
    runner = threading.Thread(target=relay.run)
    runner.start()
    try:
        # the first row is on the broker, its confirm not handled yet
        wait_until(lambda: queue_depth(own_vhost, queue_name("ratings")) == 1, timeout=10,
                   interval=0.01, what="the first row published")
        second = rate(db, 2)
        wait_until(lambda: unpublished(db) == 0, timeout=20, what="both rows marked")
    finally:
        relay.stop()
        runner.join(40)
        log.close()
    logged = stages.read(tmp_path)
    assert logged[first]["sent"] < logged[first]["confirmed"]
    if claim_on_notify:  # claimed and sent before the first batch's confirm came
        assert logged[second]["claimed"] < logged[first]["confirmed"]
        assert logged[second]["sent"] < logged[first]["confirmed"]
    else:  # the old way: the new row waited for that confirm and the mark
        assert logged[second]["claiming"] >= logged[first]["marked"]
    # one aggregate, two batches in flight: still in commit order on the queue
    got = take_all(own_vhost, queue_name("ratings"))
    assert [d.message_id for d in got] == [first, second]
    assert [json.loads(d.body)["data"]["feedback_id"] for d in got] == [1, 2]


def test_a_table_lock_queued_behind_the_batches_in_flight_does_not_hang_the_relay(
        db, config, own_vhost):
    """A migration's LOCK TABLE waits for the relay's batch in flight; the relay's next
    claim waits behind that lock. Only the relay can finish its batch: without a lock
    timeout on its connections both would wait for ever."""
    declare_topology(own_vhost, config)
    relay_db = relay_database(config)
    # batch_size 1: a full claim, so the relay claims again while the first is in flight
    relay = Relay(relay_db, SlowConfirms(own_vhost, 2.0), batch_size=1, poll_interval=2)
    rate(db, 1)
    runner = threading.Thread(target=relay.run)
    runner.start()
    locked = threading.Event()

    def migrate() -> None:
        with db.engine.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # fail the test, not hang
            conn.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
            locked.set()

    try:
        wait_until(lambda: queue_depth(own_vhost, queue_name("ratings")) == 1, timeout=10,
                   interval=0.01, what="the first row in flight")
        migration = threading.Thread(target=migrate)
        migration.start()
        wait_until(lambda: waiting_on_a_lock(db), timeout=10, what="the lock queued")
        with db.engine.connect() as conn:  # new rows announced: the relay claims
            conn.execute(text(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')"))
            conn.commit()
        migration.join(LOCK_TIMEOUT_MS / 1000 + 10)
        assert locked.is_set(), "the table lock never came: the relay held it off"
        wait_until(lambda: unpublished(db) == 0, timeout=30, what="the row published")
    finally:
        relay.stop()
        runner.join(40)
        relay_db.dispose()
