"""The badge mail itself, and the recording fake the unit tests of other handlers use."""

from __future__ import annotations

import smtplib

import pytest

from consumers.mail_kinds import badge_message
from consumers.mailer import RecordingMailer, SmtpMailer
from models.accounts.directory import Recipient
from models.core.config import Config


def test_badge_mail_greets_by_name_escapes_html_and_links_the_file():
    msg = badge_message(Config(base_url="https://x.example/"), 42, 7,
                     Recipient("z@example.com", "Zoë <b>"))
    assert msg["Subject"] == "Badge Generated 42"
    assert msg["Message-ID"] == "<badge-42.7@venuebus>"
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Hello Zoë &lt;b&gt;!" in html
    assert 'href="https://x.example/v1/badges/42/file"' in html
    assert "https://x.example/v1/badges/42/file" in msg.get_body(("plain",)).get_content()


def test_badge_mail_without_display_name_still_greets():
    msg = badge_message(Config(), 1, 1, Recipient("a@example.com", None))
    assert msg["To"] == "a@example.com"
    assert "Hello !" in msg.get_body(("html",)).get_content()


def test_recording_mailer_fails_as_told_then_records():
    fake = RecordingMailer(fail_next=1)
    msg = badge_message(Config(), 1, 1, Recipient("a@example.com", None))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        fake.send(msg)
    fake.send(msg)
    assert fake.sent == [msg]


def test_smtp_url_must_be_smtp():
    with pytest.raises(ValueError, match="smtp://"):
        SmtpMailer("http://localhost:25").send(badge_message(Config(), 1, 1,
                                                          Recipient("a@x.org", None)))
