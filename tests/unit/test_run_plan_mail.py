"""`make run` mails badges to a local dev SMTP server unless SMTP_URL says otherwise."""

from __future__ import annotations

from cli.supervisor import plan
from models.core.config import Config


def test_without_smtp_url_run_starts_the_dev_smtp_server_and_points_consumers_at_it():
    children = plan(Config(smtp_url=""), workers=1)
    assert children[0].args[:1] == ["devsmtp"] and "var/mail" in children[0].args
    mail = next(c for c in children if c.name == "consume mail")
    assert mail.env["SMTP_URL"] == "smtp://127.0.0.1:1025"
    assert {"consume badges", "consume mail"} <= {c.name for c in children}


def test_with_smtp_url_run_uses_it_and_starts_no_dev_server():
    children = plan(Config(smtp_url="smtp://mail.example:587?starttls=true"), workers=1)
    assert all(c.args[0] != "devsmtp" for c in children)
    assert all("SMTP_URL" not in c.env for c in children)
