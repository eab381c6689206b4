"""One record per mail, whatever its kind: the badge mails of before the mail module
move into it (and back), and the verification mail is exactly-once too, against a real
SMTP server: a consumer killed between the hand-over and its commit still yields one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from consumers.mail import MailSender, send_mail
from consumers.mailer import SmtpMailer
from models.accounts.users import create_user
from models.core.db import Database
from models.core.migrate import downgrade, upgrade
from tests.support.deliveries import handle, recorded
from tests.support.services import fresh_database

BEFORE = "1410_exports"


def test_badge_mails_move_into_the_one_mail_record_and_back(pg_admin_url):
    with fresh_database(pg_admin_url, "venuebus_mails") as url:
        upgrade(url, BEFORE)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, created_at) VALUES (7, 'a@example.com', now())"))
            conn.execute(sa.text(
                "INSERT INTO badges (id, owner_id, status, rows, template, count, created_at,"
                " updated_at) VALUES (12, 7, 'pending', '[]', '{}', 1, now(), now())"))
            conn.execute(sa.text(
                "INSERT INTO badge_mails (badge_id, recipient, status, attempts, last_error,"
                " created_at, updated_at) VALUES (12, 'a@example.com', 'held', 2, 'x',"
                " now(), now())"))
        upgrade(url)
        with engine.connect() as conn:
            moved = conn.execute(sa.text(
                "SELECT kind, reference, user_id, recipient, status, attempts, last_error "
                "FROM mails")).all()
        assert moved == [("badge", "badge:12", 7, "a@example.com", "held", 2, "x")]
        downgrade(url, BEFORE)
        with engine.connect() as conn:
            back = conn.execute(sa.text(
                "SELECT badge_id, recipient, status, attempts FROM badge_mails")).all()
        engine.dispose()
        assert back == [(12, "a@example.com", "held", 2)]


@pytest.fixture
def consumer_db(db, base_config, smtp):
    database = Database(base_config.with_(smtp_url=smtp[0]))
    yield database
    database.dispose()


def _mail_rows(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT kind, reference, status, attempts FROM mails"
                                    " ORDER BY id")).all()


def test_a_verification_mail_killed_after_the_hand_over_is_not_sent_again(
        db, consumer_db, smtp):
    user = create_user(db, "eve@example.com", "password123")
    [signed_up] = recorded(db, "user.signed_up")

    class DiesAfterHandOver:
        def send(self, message):
            SmtpMailer(smtp[0]).send(message)
            raise SystemExit("killed")  # before the outcome could be committed

    with pytest.raises(SystemExit):
        handle(consumer_db, MailSender(lambda c: DiesAfterHandOver()).handle, [signed_up])
    handle(consumer_db, send_mail, [signed_up])  # the broker redelivers
    assert len(smtp[1].messages) == 1
    assert _mail_rows(db) == [("verification", f"verification:{user.id}", "sending", 1)]


def test_a_verification_mail_is_sent_once_whatever_the_redeliveries(db, consumer_db, smtp):
    user = create_user(db, "eve@example.com", "password123")
    [signed_up] = recorded(db, "user.signed_up")
    handle(consumer_db, send_mail, [signed_up], commit=False)  # died before commit+ack
    handle(consumer_db, send_mail, [signed_up])
    handle(consumer_db, send_mail, [signed_up], consumer=None)  # even untracked
    [mail] = smtp[1].messages
    assert mail["To"] == "eve@example.com"
    assert _mail_rows(db) == [("verification", f"verification:{user.id}", "sent", 1)]
    [sent] = recorded(db, "mail.sent")
    assert (sent.data["kind"], sent.data["reference"]) == (
        "verification", f"verification:{user.id}")


@pytest.fixture(params=["postgresql", "sqlite"])
def any_db(request, db, base_config, smtp, tmp_path):
    """The mail consumer's database on PostgreSQL (intents commit aside) or on SQLite
    (`make run`'s: the intent joins the handler's transaction)."""
    if request.param == "postgresql":
        database = Database(base_config.with_(smtp_url=smtp[0]))
    else:
        url = f"sqlite:///{tmp_path / 'mail.db'}"
        upgrade(url)
        database = Database(base_config.with_(database_url=url, smtp_url=smtp[0]))
    yield database
    database.dispose()


def test_a_hand_over_in_doubt_stays_sending_and_is_not_sent_again(any_db, smtp):
    """The server takes the verification mail and the connection drops before its
    answer: the mail stays `sending` with the error on either database, the delivery is
    done (nothing raised for a retry), and a redelivery sends nothing."""
    user = create_user(any_db, "eve@example.com", "password123")
    [signed_up] = recorded(any_db, "user.signed_up")
    smtp[1].drop = 1
    handle(any_db, send_mail, [signed_up])
    handle(any_db, send_mail, [signed_up], consumer=None)
    assert len(smtp[1].messages) == 1
    assert _mail_rows(any_db) == [("verification", f"verification:{user.id}", "sending", 1)]
    with any_db.engine.connect() as conn:
        error = conn.execute(sa.text("SELECT last_error FROM mails")).scalar_one()
    assert error.startswith("in doubt:")
