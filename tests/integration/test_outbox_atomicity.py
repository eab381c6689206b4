"""A feedback write and its `rating.changed` row commit together or not at all."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from models.catalog import feedback
from models.catalog.tables import Feedback
from models.core.outbox import OutboxMessage
from models.core.uow import UnitOfWork
from tests.support.api import auth, create_event, doc, sign_up
from tests.support.outbox import outbox_rows


def test_each_feedback_write_leaves_exactly_one_outbox_row(client, db):
    token = sign_up(client, "a@example.com")
    event_id = create_event(client, token)
    fid = client.post("/v1/feedbacks", headers=auth(token), json=doc(
        "feedback", {"rating": 4}, {"event": ("event", event_id)})).get_json()["data"]["id"]
    client.patch(f"/v1/feedbacks/{fid}", headers=auth(token),
                 json=doc("feedback", {"rating": 2}, id_=fid))
    client.delete(f"/v1/feedbacks/{fid}", headers=auth(token))
    rows = [r for r in outbox_rows(db) if r.routing_key != "user.signed_up"]
    assert [r.routing_key for r in rows] == ["rating.changed"] * 3
    docs = [json.loads(r.payload) for r in rows]
    assert [d["data"]["change"] for d in docs] == ["created", "updated", "deleted"]
    assert [d["data"]["rating"] for d in docs] == [4, 2, None]
    assert docs[1]["data"]["previous_rating"] == 4
    for d, r in zip(docs, rows, strict=True):
        assert d["specversion"] == "1.0" and d["id"] == r.message_id
    assert docs[0]["subject"] == f"event/{event_id}"


@contextlib.contextmanager
def commits_refused_by_the_database(db) -> Iterator[None]:
    """While open, a deferred constraint trigger on `outbox` that fails every COMMIT of a
    transaction holding a `rating.changed` row: PostgreSQL refuses the commit itself,
    after both rows were written. Its message counts the feedback rows that transaction
    could see, so the test knows the change and the event were in one transaction."""
    with db.engine.begin() as conn:
        conn.execute(text("""
            CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'commit refused; feedbacks=%',
                (SELECT count(*) FROM feedbacks) USING ERRCODE = 'check_violation';
            END $$"""))
        conn.execute(text("""
            CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON outbox
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.routing_key = 'rating.changed') EXECUTE FUNCTION refuse_commit()"""))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_commit ON outbox"))
            conn.execute(text("DROP FUNCTION refuse_commit()"))


def test_a_commit_the_database_refuses_leaves_neither_the_change_nor_its_event(client, db):
    token = sign_up(client, "a@example.com")
    event_id = int(create_event(client, token))
    from models.accounts.users import authenticate

    user = authenticate(db, "a@example.com", "password123")
    with commits_refused_by_the_database(db):
        with pytest.raises(IntegrityError, match=r"commit refused; feedbacks=1"):
            feedback.create_feedback(db, user, event_id, 5)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.routing_key != "user.signed_up")) == 0


def test_rejected_feedback_records_no_event(client, db):
    token = sign_up(client, "a@example.com")
    event_id = create_event(client, token)
    body = doc("feedback", {"rating": 4}, {"event": ("event", event_id)})
    client.post("/v1/feedbacks", headers=auth(token), json=body)
    assert client.post("/v1/feedbacks", headers=auth(token), json=body).status_code == 409
    assert len(outbox_rows(db, "rating.changed")) == 1


def test_outbox_insert_notifies_the_relay_on_commit_only(db):
    import select as io_select

    from contracts.ratings import RatingChanged
    from models.core.outbox import NOTIFY_CHANNEL

    listener = db.engine.raw_connection()
    raw = listener.dbapi_connection
    raw.autocommit = True
    with raw.cursor() as cur:
        cur.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def notified(timeout: float) -> bool:
        if io_select.select([raw], [], [], timeout)[0]:
            raw.poll()
        got = bool(raw.notifies)
        raw.notifies.clear()
        return got

    event = RatingChanged(event_id=1, feedback_id=1, user_id=1, change="created", rating=1,
                          previous_rating=None, changed_at="2027-01-01T00:00:00+00:00")
    with UnitOfWork(db) as uow:
        uow.record(event)
        uow.flush()
        assert not notified(0.3)  # inserted, not committed: the relay must not wake yet
        uow.commit()
    assert notified(2.0)
    with UnitOfWork(db) as uow:
        uow.record(event)
        uow.flush()  # rolled back on exit
    assert not notified(0.3)
    listener.invalidate()  # never back to the pool in autocommit mode


def test_a_transaction_writes_its_events_in_one_insert(db):
    """However many events a unit of work records, they reach the outbox in one round
    trip at commit (one INSERT per event made a batch producer's 500-event transaction
    500 round trips: the spine's end-to-end rate was the producer's)."""
    from tests.support.statements import traffic

    before = len(outbox_rows(db))
    with traffic(db) as seen, UnitOfWork(db) as uow:
        ids = [uow.record(_rating(i)) for i in range(500)]
        uow.commit()
    assert seen.round_trips == ["BEGIN", "INSERT INTO outbox", "COMMIT"]
    rows = outbox_rows(db)
    assert len(rows) == before + 500
    assert [r.message_id for r in rows[before:]] == ids  # in the order recorded


def test_events_recorded_without_commit_are_never_written(db):
    with UnitOfWork(db) as uow:
        uow.record(_rating(1))
    with UnitOfWork(db) as uow:
        uow.commit()  # a new unit: nothing of the abandoned one's carries over
    assert outbox_rows(db) == []


def _rating(i: int):
    from contracts.ratings import RatingChanged

    return RatingChanged(event_id=1, feedback_id=i, user_id=1, change="created", rating=1,
                         previous_rating=None, changed_at="2027-01-01T00:00:00+00:00")
