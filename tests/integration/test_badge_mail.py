"""The mail consumer against a real SMTP server on loopback: one mail per badge, whatever
the redeliveries, retries while SMTP refuses, `failed` with the error after giving up."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from consumers.badges import render_badge
from consumers.mail import MailSender, give_up_mail, send_mail
from consumers.mailer import SmtpMailer
from models.accounts.tables import User
from models.core.db import Database
from tests.support.api import auth
from tests.support.badges import badge_doc, rows, user_with_usage
from tests.support.deliveries import give_up, handle, recorded
from tests.support.processes import free_port
from tests.support.smtp import html_part

BASE_URL = "https://badges.example.org"


@pytest.fixture
def consumer_db(db, base_config, tmp_path, smtp):
    """The consumers' Database: storage in tmp_path, SMTP_URL at the loopback server."""
    database = Database(base_config.with_(badge_storage=str(tmp_path / "badges"),
                                          smtp_url=smtp[0], base_url=BASE_URL))
    yield database
    database.dispose()


@pytest.fixture
def generated(client, db, consumer_db):
    """(badge url, token, badge.generated delivery) of a rendered badge of Ada's."""
    user_id, token = user_with_usage(client, db, "ada@example.com", 10)
    with db.session() as s:
        s.execute(update(User).where(User.id == user_id).values(display_name="Ada Lovelace"))
        s.commit()
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(2)}))
    handle(consumer_db, render_badge, recorded(db, "badge.requested"))
    [delivery] = recorded(db, "badge.generated")
    return r.headers["Location"], token, delivery


def _mail_of(client, url, token) -> dict:
    return client.get(url, headers=auth(token)).get_json()["data"]["attributes"]["mail"]


def test_generated_badge_sends_one_html_mail_with_the_link(client, db, consumer_db, smtp,
                                                           generated):
    url, token, delivery = generated
    handle(consumer_db, send_mail, [delivery])
    badge_id = delivery.data["badge_id"]
    [mail] = smtp[1].messages
    assert mail["Subject"] == f"Badge Generated {badge_id}"
    assert mail["To"] == "Ada Lovelace <ada@example.com>"
    body = html_part(mail)
    assert "Hello Ada Lovelace!" in body
    assert f'href="{BASE_URL}/v1/badges/{badge_id}/file"' in body
    got = _mail_of(client, url, token)
    assert (got["status"], got["attempts"], got["recipient"]) == ("sent", 1, "ada@example.com")
    assert got["sent-at"] is not None
    [sent] = recorded(db, "mail.sent")
    assert (sent.data["kind"], sent.data["reference"]) == ("badge", f"badge:{badge_id}")


def test_consumer_dying_after_sending_before_ack_still_yields_one_mail(
        client, db, consumer_db, smtp, generated):
    url, token, delivery = generated
    handle(consumer_db, send_mail, [delivery], commit=False)  # died before commit+ack
    handle(consumer_db, send_mail, [delivery])  # the broker redelivers
    handle(consumer_db, send_mail, [delivery], consumer=None)  # even untracked
    assert len(smtp[1].messages) == 1
    assert _mail_of(client, url, token)["status"] == "sent"
    assert len(recorded(db, "mail.sent")) == 1


def test_consumer_dying_inside_the_smtp_hand_over_never_sends_twice(
        client, db, consumer_db, smtp, generated):
    url, token, delivery = generated

    class DiesAfterHandOver:
        def send(self, message):
            SmtpMailer(smtp[0]).send(message)
            raise SystemExit("killed")  # before the outcome could be committed

    with pytest.raises(SystemExit):
        handle(consumer_db, MailSender(lambda c: DiesAfterHandOver()).handle, [delivery])
    handle(consumer_db, send_mail, [delivery])
    assert len(smtp[1].messages) == 1
    assert _mail_of(client, url, token)["status"] == "sending"  # outcome unknown, not resent


def test_smtp_refusing_for_a_while_then_accepting_yields_one_mail(
        client, db, consumer_db, smtp, generated):
    url, token, delivery = generated
    smtp[1].refuse = 2
    for _ in range(2):  # the runtime retries with delay after each raise
        with pytest.raises(Exception, match="Try again later"):
            handle(consumer_db, send_mail, [delivery])
        assert _mail_of(client, url, token)["status"] == "failed"
    handle(consumer_db, send_mail, [delivery])
    assert len(smtp[1].messages) == 1 and smtp[1].refused == 2
    got = _mail_of(client, url, token)
    assert (got["status"], got["attempts"], got["last-error"]) == ("sent", 3, None)


def test_smtp_down_until_give_up_marks_the_mail_failed_with_the_error(
        client, db, base_config, tmp_path, generated):
    url, token, delivery = generated
    down = Database(base_config.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    try:
        for _ in range(3):
            with pytest.raises(ConnectionRefusedError):
                handle(down, send_mail, [delivery])
        give_up(down, give_up_mail, delivery, "ConnectionRefusedError: smtp down")
    finally:
        down.dispose()
    got = _mail_of(client, url, token)
    assert (got["status"], got["attempts"]) == ("failed", 3)
    assert "ConnectionRefusedError" in got["last-error"]
    assert recorded(db, "mail.sent") == []


def test_a_database_outage_right_after_the_hand_over_still_records_the_mail_sent(
        client, db, consumer_db, smtp, generated, pg_admin_url):
    """The mail went out, then the database dropped every session and refused new ones
    for a while: `sent` (and `mail.sent`) must still be recorded once it is back, not
    left `sending` as a hand-over in doubt; and no second mail."""
    import threading

    from sqlalchemy import create_engine, text

    from consumers.registry import Consumer
    from consumers.tracking import ACK, TrackedWork

    url, token, delivery = generated
    name = consumer_db.engine.url.database
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")

    def allow() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    class DropsTheDatabaseAfterSending(SmtpMailer):
        def send(self, message) -> None:
            super().send(message)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n"), {"n": name})
            threading.Timer(1.5, allow).start()

    sender = MailSender(mailer_for=lambda c: DropsTheDatabaseAfterSending(c.smtp_url))
    work = TrackedWork(consumer_db, Consumer(name="mail", handle=sender.handle, max_batch=1,
                                             on_give_up=sender.give_up), max_attempts=4)
    try:
        assert work([delivery]) == [ACK]
    finally:
        allow()
        admin.dispose()
    db.engine.dispose()  # the test's own pooled connections were dropped too
    got = _mail_of(client, url, token)
    assert (got["status"], got["attempts"]) == ("sent", 1)
    assert len(recorded(db, "mail.sent")) == 1 and len(smtp[1].messages) == 1
