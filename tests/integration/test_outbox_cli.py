"""Operators see quarantined outbox rows in `venuebus status` and replay them."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from contracts.ratings import RatingChanged
from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from models.core.uow import UnitOfWork


def quarantine_one(db) -> int:
    with UnitOfWork(db) as uow:
        uow.record(RatingChanged(event_id=1, feedback_id=1, user_id=1, change="created",
                                 rating=1, previous_rating=None,
                                 changed_at="2027-01-01T00:00:00+00:00"))
        uow.flush()  # recorded rows are written at flush or commit
        row = uow.session.scalar(select(OutboxMessage))
        row.attempts, row.quarantined_at = 5, utcnow()
        uow.commit()
        return row.id


def test_quarantined_rows_show_in_status_and_go_back_to_the_relay_on_replay(db, amqp_url):
    row_id = quarantine_one(db)
    env = {"DATABASE_URL": db.config.database_url, "AMQP_URL": amqp_url}
    runner = CliRunner()

    status = runner.invoke(main, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert "outbox: 0 unpublished, oldest 0.0s; 1 quarantined" in status.output

    listed = runner.invoke(main, ["outbox", "quarantined"], env=env)
    assert f"{row_id}  rating.changed" in listed.output and "attempts=5" in listed.output

    assert runner.invoke(main, ["outbox", "replay", "--id", str(row_id)],
                         env=env).output.strip() == "released 1 row(s) to the relay"
    again = runner.invoke(main, ["outbox", "replay", "--id", str(row_id)], env=env)
    assert again.exit_code == 1 and "is not quarantined" in again.output
    with db.session() as s:
        row = s.get(OutboxMessage, row_id)
    assert row.quarantined_at is None and row.published_at is None
    status = runner.invoke(main, ["status"], env=env)
    assert "outbox: 1 unpublished" in status.output and "0 quarantined" in status.output
