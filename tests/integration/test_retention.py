"""Retention: the tables that only grew stay bounded, and a redelivery inside the dedupe
horizon is still deduplicated. Days pass by handing `prune` the time it is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import func, insert, inspect, select, text

from bus.consume import Delivery, Outcome
from cli.main import main
from consumers.registry import Consumer
from consumers.tracking import TrackedWork
from models.core.outbox import OutboxMessage, ProcessedMessage
from models.core.retention import Pruner
from models.core.retention import prune as prune_tables
from models.registry import retained
from models.ticketing.stats.tables import StatsAppliedFact
from models.ticketing.tables import IdempotencyKey
from tests.support.processes import wait_until

DAY = timedelta(days=1)
T0 = datetime(2027, 1, 1, tzinfo=UTC)
PER_DAY = 60
TABLES = (OutboxMessage, ProcessedMessage, StatsAppliedFact, IdempotencyKey)


def one_day_of_traffic(db, at: datetime) -> list[str]:
    """What a day leaves behind: published outbox rows, tracking rows, stats facts and
    idempotency keys, all stamped `at`. Returns the processed message ids."""
    ids = [str(uuid.uuid4()) for _ in range(PER_DAY)]
    with db.session() as s:
        # the keys' user and order do not matter to pruning: skip the FK triggers here
        s.execute(text("SET LOCAL session_replication_role = replica"))
        s.execute(insert(OutboxMessage), [
            {"message_id": m, "routing_key": "rating.changed", "type": "t", "aggregate": "a",
             "payload": "{}", "created_at": at, "published_at": at} for m in ids])
        s.execute(insert(ProcessedMessage), [
            {"consumer": "ratings", "message_id": m, "processed_at": at} for m in ids])
        s.execute(insert(StatsAppliedFact), [
            {"fact": f"scan:{m}", "applied_at": at} for m in ids])
        s.execute(insert(IdempotencyKey), [
            {"user_id": 1, "key": m, "fingerprint": "f", "order_id": 1, "created_at": at}
            for m in ids])
        s.commit()
    return ids


def sizes(db) -> dict[str, int]:
    with db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                for t in TABLES}


def delivery(message_id: str) -> Delivery:
    return Delivery(message_id=message_id, routing_key="rating.changed", type="t",
                    data={}, envelope={}, headers={}, attempt=1, redelivered=True)


def test_tables_stay_bounded_over_a_long_run_and_redeliveries_inside_the_horizon_dedupe(
        db, config):
    config = config.with_(outbox_retention_s=int(DAY.total_seconds()),
                          dedupe_horizon_s=int(2 * DAY.total_seconds()), prune_batch_size=25)
    with db.session() as s:  # an event never published is never pruned, however old
        s.execute(insert(OutboxMessage), {"message_id": "unpublished", "routing_key": "k",
                                          "type": "t", "aggregate": "a", "payload": "{}",
                                          "created_at": T0})
        s.commit()
    days = 30
    for day in range(days):
        now = T0 + day * DAY
        ids = one_day_of_traffic(db, now)
        prune_tables(db, config, retained(config), now=now)
        # kept: the outbox for a day, tracking rows and facts for two, keys for 24 h
        # (a row exactly at its horizon stays)
        bound = {"outbox": 2 * PER_DAY + 1, "processed_messages": 3 * PER_DAY,
                 "stats_applied_facts": 3 * PER_DAY, "idempotency_keys": 2 * PER_DAY}
        assert sizes(db) == {t: min(n, (day + 1) * PER_DAY + (t == "outbox"))
                             for t, n in bound.items()}, f"day {day}"
    with db.session() as s:
        assert s.scalar(select(OutboxMessage).where(OutboxMessage.published_at.is_(None)))

    ran: list[str] = []
    work = TrackedWork(db, Consumer("ratings", lambda _uow, ds: ran.extend(
        d.message_id for d in ds)), max_attempts=3)
    outside = ids[0]  # processed on day 29: three days before the redelivery
    inside = one_day_of_traffic(db, T0 + days * DAY)[0]
    # two days later: at the horizon
    prune_tables(db, config, retained(config), now=T0 + (days + 2) * DAY)
    assert work([delivery(inside), delivery(outside)]) == [Outcome("ack")] * 2
    assert inside not in ran, "a redelivery inside the dedupe horizon ran its handler again"
    assert ran == [outside]  # past the horizon the record is gone: hence its length


def test_a_running_pruner_prunes_again_and_again(db, config):
    config = config.with_(prune_interval_s=0.2)
    pruner = Pruner(db, config, retained(config)).start()
    try:
        for _ in range(2):
            one_day_of_traffic(db, datetime.now(UTC) - timedelta(days=30))
            wait_until(lambda: not any(sizes(db).values()), timeout=20,
                       what=lambda: f"old rows pruned: {sizes(db)}")
        assert pruner.rounds >= 2
    finally:
        pruner.stop()


def test_prune_and_status_on_the_command_line(db, amqp_url):
    one_day_of_traffic(db, datetime.now(UTC) - timedelta(days=30))
    fresh = one_day_of_traffic(db, datetime.now(UTC) - timedelta(hours=2))
    env = {"DATABASE_URL": db.config.database_url, "AMQP_URL": amqp_url}
    runner = CliRunner()

    status = runner.invoke(main, ["status"], env=env)
    assert status.exit_code == 0, status.output
    line = next(x for x in status.output.splitlines() if x.startswith("processed_messages "))
    assert line.split()[1] == str(2 * PER_DAY) and line.split()[-1] == "30.0d"

    pruned = runner.invoke(main, ["prune"], env=env)
    assert pruned.exit_code == 0, pruned.output
    for table in ("outbox", "processed_messages", "stats_applied_facts",
                  "idempotency_keys"):
        assert f"{table}: {PER_DAY} row(s) deleted" in pruned.output
    status = runner.invoke(main, ["status"], env=env)
    line = next(x for x in status.output.splitlines() if x.startswith("processed_messages "))
    assert line.split()[1] == str(len(fresh)) and line.split()[-1] == "2.0h"


def test_every_pruned_table_has_an_index_that_starts_with_its_stamp(db, config):
    """A prune batch finds its rows by the stamp; without such an index every batch of
    every table reads the whole table."""
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        unindexed = [t.name for t in retained(config)
                     if not any(ix["column_names"][:1] == [t.stamp.name]
                                for ix in inspector.get_indexes(t.name))]
    assert unindexed == []
