"""The ratings handler on real PostgreSQL, without a broker: deltas and dedupe."""

from __future__ import annotations

import dataclasses
import itertools
import uuid

import pytest

from bus.consume import Delivery, Outcome
from consumers.ratings import CONSUMER
from consumers.tracking import TrackedWork
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.catalog import feedback
from models.catalog.tables import Event
from tests.support.deliveries import recorded


def delivery(data: dict, message_id: str | None = None) -> Delivery:
    return Delivery(message_id=message_id or str(uuid.uuid4()), routing_key="rating.changed",
                    type="venuebus.rating.changed", data=data, envelope={"data": data},
                    headers={}, attempt=1, redelivered=False)


@pytest.fixture
def event_with_feedback(db):
    from datetime import UTC, datetime

    owner = create_user(db, "o@example.com", "password123")
    event = catalog.create_event(db, owner, {"name": "E", "starts_at": datetime.now(UTC),
                                             "ends_at": datetime.now(UTC)})
    users = [create_user(db, f"u{i}@example.com", "password123") for i in range(4)]
    fbs = [feedback.create_feedback(db, u, event.id, r) for u, r in zip(users, [5, 4, 2, 1],
                                                                       strict=True)]
    feedback.update_feedback(db, users[3], fbs[3].id, rating=3)
    feedback.delete_feedback(db, users[2], fbs[2].id)
    return event  # remaining ratings: 5, 4, 3 -> average 4.0 over 3


def read(db, event_id):
    with db.session() as s:
        e = s.get(Event, event_id)
        return e.average_rating, e.rating_count


def test_average_is_exact_in_any_order(db, event_with_feedback):
    messages = recorded(db, "rating.changed")  # the users' sign-ups left out
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    for msg in reversed(messages):
        assert work([msg]) == [Outcome("ack")]
    assert read(db, event_with_feedback.id) == (4.0, 3)


def test_duplicates_in_and_across_batches_apply_once(db, event_with_feedback):
    messages = recorded(db, "rating.changed")  # the users' sign-ups left out
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    doubled = list(itertools.chain.from_iterable(zip(messages, messages, strict=True)))
    assert all(o.action == "ack" for o in work(doubled))
    assert all(o.action == "ack" for o in work(messages))
    assert read(db, event_with_feedback.id) == (4.0, 3)


def test_malformed_message_is_dead_lettered_and_the_rest_of_the_batch_applies(
        db, event_with_feedback):
    messages = recorded(db, "rating.changed")  # the users' sign-ups left out
    bad = delivery({"event_id": event_with_feedback.id, "change": "exploded"})
    outcomes = TrackedWork(db, CONSUMER, max_attempts=3)([*messages[:2], bad, *messages[2:]])
    assert [o.action for o in outcomes] == ["ack", "ack", "dead", "ack", "ack", "ack", "ack"]
    assert read(db, event_with_feedback.id) == (4.0, 3)


def test_transient_failure_asks_for_retry_until_the_last_attempt(db):
    def boom(uow, deliveries):
        raise RuntimeError("db hiccup")

    from consumers.registry import Consumer

    work = TrackedWork(db, Consumer(name="ratings", handle=boom), max_attempts=3)
    first = delivery({"event_id": 1, "change": "created", "rating": 5})
    last = dataclasses.replace(first, attempt=3)
    assert work([first])[0].action == "retry"
    assert work([last])[0].action == "dead"
    assert "db hiccup" in work([first])[0].error


def test_handler_runs_on_sqlite_too(tmp_path):
    from models.core.config import Config
    from models.core.db import Database
    from models.core.migrate import upgrade

    url = f"sqlite:///{tmp_path}/r.db"
    upgrade(url)
    sdb = Database(Config(database_url=url))
    from datetime import UTC, datetime

    owner = create_user(sdb, "o@example.com", "password123")
    event = catalog.create_event(sdb, owner, {"name": "E", "starts_at": datetime.now(UTC),
                                              "ends_at": datetime.now(UTC)})
    for i, r in enumerate([5, 4]):
        feedback.create_feedback(sdb, create_user(sdb, f"s{i}@example.com", "password123"),
                                 event.id, r)
    outcomes = TrackedWork(sdb, CONSUMER, max_attempts=3)(recorded(sdb, "rating.changed"))
    assert [o.action for o in outcomes] == ["ack", "ack"]
    assert read(sdb, event.id) == (4.5, 2)
    sdb.dispose()


def test_message_without_an_id_is_dead_lettered_not_taken_for_a_duplicate(db,
                                                                          event_with_feedback):
    messages = recorded(db, "rating.changed")  # the users' sign-ups left out
    nameless = dataclasses.replace(messages[0], message_id="")
    outcomes = TrackedWork(db, CONSUMER, max_attempts=3)([nameless, *messages])
    assert [o.action for o in outcomes] == ["dead"] + ["ack"] * len(messages)
    assert "message_id" in outcomes[0].error
    assert read(db, event_with_feedback.id) == (4.0, 3)
