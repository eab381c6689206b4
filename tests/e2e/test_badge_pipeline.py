"""Badges through the whole system: the API in-process, the relay and the badges and mail
consumers as real processes, RabbitMQ, PostgreSQL and an SMTP server on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.app import create_app
from models.badges.tables import Badge
from models.core.outbox import ProcessedMessage
from models.mail.tables import Mail
from tests.support.api import auth
from tests.support.badges import badge_doc, rows, usage_of, vouched_user_with_usage
from tests.support.pdfs import has_qr_tools, pdf_pages_text, qr_codes
from tests.support.processes import wait_until
from tests.support.smtp import html_part

pytestmark = pytest.mark.slow
BASE_URL = "https://badges.example.org"


@pytest.fixture
def system(procs, smtp, tmp_path):
    """Relay + badges + mail consumers, badge storage in tmp_path."""
    env = {"SMTP_URL": smtp[0], "BADGE_STORAGE": str(tmp_path / "badges"),
           "BASE_URL": BASE_URL}
    procs.start("relay", ready="relay running", env=env)
    procs.start("consume", "badges", ready="consumer badges running", env=env)
    procs.start("consume", "mail", ready="consumer mail running", env=env)
    return procs


@pytest.fixture
def client(config, db):
    return create_app(config, db).test_client()


def _badge(db, badge_id: int) -> tuple[Badge, Mail | None]:
    with db.session() as s:
        return (s.get(Badge, badge_id),
                s.scalar(select(Mail).where(Mail.reference == f"badge:{badge_id}")))


def test_badge_request_ends_with_a_valid_pdf_and_exactly_one_mail(
        system, client, db, smtp, tmp_path):
    _, token = vouched_user_with_usage(client, db, "ada@example.com", 50)
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({"rows": rows(10, secrets=True)}))
    badge_id = int(r.get_json()["data"]["id"])
    [mail] = smtp[1].wait_for(1, timeout=30)
    assert mail["Subject"] == f"Badge Generated {badge_id}"
    assert f"{BASE_URL}/v1/badges/{badge_id}/file" in html_part(mail)
    badge, record = wait_until(lambda: (b := _badge(db, badge_id))[1] and
                               b[1].status == "sent" and b, timeout=10, what="mail record")
    assert (badge.status, badge.page_count, record.attempts) == ("generated", 3, 1)
    pdf = client.get(f"/v1/badges/{badge_id}/file", headers=auth(token))
    path = tmp_path / "got.pdf"
    path.write_bytes(pdf.data)
    pages, text = pdf_pages_text(path)
    assert pages == 3 and all(f"Attendee {i:04d}" in text for i in range(10))
    if has_qr_tools():
        assert qr_codes(path, tmp_path, page=3) == ["checkin-secret-0008",
                                                    "checkin-secret-0009"]
    smtp[1].expect_only(1, within=2)


def test_mail_consumer_killed_after_sending_before_ack_still_yields_one_mail(
        procs, client, db, smtp, tmp_path):
    env = {"SMTP_URL": smtp[0], "BADGE_STORAGE": str(tmp_path / "badges")}
    procs.start("relay", ready="relay running", env=env)
    procs.start("consume", "badges", ready="consumer badges running", env=env)
    mail = procs.start("consume", "mail", ready="consumer mail running", env=env)
    smtp[1].hold_s = 30  # the message is in; the consumer waits for the final reply
    _, token = vouched_user_with_usage(client, db, "ada@example.com", 5)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    badge_id = int(r.get_json()["data"]["id"])
    smtp[1].wait_for(1, timeout=30)
    mail.kill()  # SIGKILL: nothing marked sent, nothing acked
    smtp[1].hold_s = 0
    procs.start("consume", "mail", ready="consumer mail running", env=env)

    def redelivered() -> bool:
        with db.session() as s:
            return bool(s.scalar(select(ProcessedMessage.message_id)
                                 .where(ProcessedMessage.consumer == "mail")))

    wait_until(redelivered, timeout=30, what="the redelivered badge.generated")
    smtp[1].expect_only(1, within=2)
    _, record = _badge(db, badge_id)
    assert (record.status, record.attempts) == ("sending", 1)  # in doubt, never resent


def test_smtp_refusing_then_accepting_yields_one_mail_after_retries(system, client, db, smtp):
    smtp[1].refuse = 2
    _, token = vouched_user_with_usage(client, db, "ada@example.com", 5)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
    badge_id = int(r.get_json()["data"]["id"])
    smtp[1].wait_for(1, timeout=30)
    _, record = wait_until(lambda: (b := _badge(db, badge_id))[1] and
                           b[1].status == "sent" and b, timeout=10, what="mail sent")
    assert record.attempts == 3 and smtp[1].refused == 2
    assert len(smtp[1].messages) == 1


def test_render_failing_every_retry_fails_the_badge_and_gives_usage_back(
        procs, client, db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {"BADGE_STORAGE": str(blocker / "badges")}
    procs.start("relay", ready="relay running", env=env)
    procs.start("consume", "badges", ready="consumer badges running", env=env)
    user_id, token = vouched_user_with_usage(client, db, "ada@example.com", 5)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(3)}))
    badge_id = int(r.get_json()["data"]["id"])
    assert usage_of(db, user_id) == 2
    badge, _ = wait_until(lambda: (b := _badge(db, badge_id))[0].status == "failed" and b,
                          timeout=30, what="badge failed")
    assert "NotADirectoryError" in badge.failure_reason
    assert usage_of(db, user_id) == 5
