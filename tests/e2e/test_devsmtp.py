"""The development SMTP server `make run` starts when SMTP_URL is unset."""

from __future__ import annotations

from email import message_from_bytes, policy

from consumers.mail_kinds import badge_message
from consumers.mailer import SmtpMailer
from models.accounts.directory import Recipient
from models.core.config import Config
from tests.support.processes import free_port, wait_until


def test_dev_smtp_server_writes_each_mail_into_the_folder(procs, tmp_path):
    port, folder = free_port(), tmp_path / "mail"
    procs.start("devsmtp", "--port", str(port), "--dir", str(folder),
                ready="dev SMTP server on")
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    for badge_id in (1, 2):
        mailer.send(badge_message(Config(), badge_id, badge_id, Recipient("a@example.com", "A")))
    files = wait_until(lambda: len(found := sorted(folder.glob("*.eml"))) == 2 and found,
                       timeout=10, what="two .eml files")
    subjects = [message_from_bytes(f.read_bytes(), policy=policy.default)["Subject"]
                for f in files]
    assert subjects == ["Badge Generated 1", "Badge Generated 2"]
