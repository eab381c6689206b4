"""`make run`'s embedded SQLite: the badge and mail consumers, driven by the runtime's
TrackedWork (tracking row first, so the transaction holds SQLite's one write lock), must
not wait on themselves. The tests' connections have no busy timeout: a second connection
of the handler's that wanted the lock (a side transaction for progress or a mail intent)
fails at once with "database is locked" instead of waiting 15 s. The time it all takes is
measured in bench/badges.py."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from consumers.badges import CONSUMER as BADGES
from consumers.mail import CONSUMER as MAIL
from consumers.tracking import TrackedWork
from models.accounts.users import create_user
from models.badges.requests import request_badges
from models.badges.tables import Badge
from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from models.mail.tables import Mail
from tests.support.accounts import verify_user
from tests.support.badges import rows
from tests.support.deliveries import recorded
from tests.support.smtp import smtp_server
from tests.support.speaker_identity import random_secret_key


def _no_busy_wait(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA busy_timeout=0")


@pytest.fixture
def sqlite_db(tmp_path):
    with smtp_server() as (url, inbox):
        db_url = f"sqlite:///{tmp_path}/v.db"
        upgrade(db_url)
        db = Database(Config(database_url=db_url, smtp_url=url, secret_key=random_secret_key(),
                             badge_storage=str(tmp_path / "badges")))
        event.listen(db.engine, "connect", _no_busy_wait)  # after make_engine's pragmas
        yield db, inbox
        db.dispose()


def test_badge_is_rendered_and_mailed_once_on_sqlite(sqlite_db):
    db, inbox = sqlite_db
    owner = create_user(db, "ada@example.com", "password123")
    verify_user(db, owner)
    badge = request_badges(db, owner, rows=rows(5, secrets=True))
    outcomes = TrackedWork(db, BADGES, max_attempts=3)(recorded(db, "badge.requested"))
    outcomes += TrackedWork(db, MAIL, max_attempts=3)(recorded(db, "badge.generated"))
    assert [o.action for o in outcomes] == ["ack", "ack"], outcomes
    with db.session() as s:
        assert s.get(Badge, badge.id).status == "generated"
        mail = s.scalar(select(Mail))
    assert (mail.status, mail.attempts) == ("sent", 1)
    assert len(inbox.messages) == 1 and len(recorded(db, "mail.sent")) == 1


def test_refused_mail_is_retried_and_given_up_with_the_error_on_sqlite(sqlite_db):
    db, inbox = sqlite_db
    owner = create_user(db, "ada@example.com", "password123")
    verify_user(db, owner)
    request_badges(db, owner, rows=rows(1))
    TrackedWork(db, BADGES, max_attempts=2)(recorded(db, "badge.requested"))
    inbox.refuse = 5
    [delivery] = recorded(db, "badge.generated")
    work = TrackedWork(db, MAIL, max_attempts=2)
    assert work([delivery])[0].action == "retry"
    last = type(delivery)(**{**delivery.__dict__, "attempt": 2})
    assert work([last])[0].action == "dead"
    with db.session() as s:
        mail = s.scalar(select(Mail))
    assert mail.status == "failed" and "Try again later" in mail.last_error
    assert inbox.messages == []
