"""The relay on PostgreSQL claims new rows when their NOTIFY comes, even while an earlier
batch still awaits its confirm; per-aggregate order holds across those batches."""

from __future__ import annotations

import json
import threading

import pytest

from bench import stages
from contracts.ratings import RatingChanged
from contracts.topology import queue_name
from models.core.db import Database
from models.core.uow import UnitOfWork
from producers.relay import Relay
from producers.stages import StageLog
from tests.support.broker import declare_topology, queue_depth, take_all
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
