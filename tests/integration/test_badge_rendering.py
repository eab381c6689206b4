"""The badges consumer renders a requested badge once, shows progress, and on give-up
fails it and gives the usage back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from consumers.badges import CONSUMER, give_up_badge, render_badge
from consumers.tracking import ACK
from models.badges.tables import Badge
from models.core.db import Database
from tests.support.api import auth, create_event
from tests.support.badges import attendees_for, badge_doc, rows, usage_of, user_with_usage
from tests.support.deliveries import give_up, handle, recorded
from tests.support.pdfs import has_qr_tools, pdf_pages_text, qr_codes


@pytest.fixture
def render_db(db, base_config, tmp_path):
    """The consumer's own Database, its BADGE_STORAGE in tmp_path."""
    database = Database(base_config.with_(badge_storage=str(tmp_path / "badges")))
    yield database
    database.dispose()


def _request_event(client, token, event_id) -> str:
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({}, {"event": ("event", event_id)}))
    assert r.status_code == 202, r.get_json()
    return r.headers["Location"]


def _request(client, token, attributes) -> str:
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc(attributes))
    assert r.status_code == 202, r.get_json()
    return r.headers["Location"]


def test_requested_badge_renders_a_pdf_with_names_and_scannable_qr_codes(
        client, db, render_db, tmp_path):
    _, token = user_with_usage(client, db, "o@example.com", 10)
    url = _request(client, token, {"rows": rows(6, secrets=True),
                                   "template": {"badges-per-page": 4}})
    handle(render_db, render_badge, recorded(db, "badge.requested"))

    got = client.get(url, headers=auth(token)).get_json()["data"]["attributes"]
    assert (got["status"], got["progress"], got["page-count"]) == ("generated", 100, 2)
    pdf = client.get(got["file-url"], headers=auth(token))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(pdf.data) == got["size-bytes"]
    path = tmp_path / "downloaded.pdf"
    path.write_bytes(pdf.data)
    pages, text = pdf_pages_text(path)
    assert pages == 2
    for i in range(6):
        assert f"Attendee {i:04d}" in text
    assert "Speaker" in text and "PyCon 2027" in text
    if has_qr_tools():
        assert qr_codes(path, tmp_path, page=2) == ["checkin-secret-0004",
                                                    "checkin-secret-0005"]
    [generated] = recorded(db, "badge.generated")
    assert generated.data["page_count"] == 2


def test_event_badges_show_attendees_and_qr_codes_of_their_checkin_secrets(
        client, db, render_db, tmp_path):
    _, token = user_with_usage(client, db, "o@example.com", 10)
    event_id = create_event(client, token, "EuroPython")
    secrets = attendees_for(client, db, token, event_id, ["Ada Lovelace", "Alan Turing"])
    url = _request_event(client, token, event_id)
    handle(render_db, render_badge, recorded(db, "badge.requested"))
    got = client.get(url, headers=auth(token)).get_json()["data"]["attributes"]
    path = tmp_path / "event.pdf"
    path.write_bytes(client.get(got["file-url"], headers=auth(token)).data)
    pages, text = pdf_pages_text(path)
    assert pages == 1
    assert all(s in text for s in ("Ada Lovelace", "Alan Turing", "Full conference",
                                   "EuroPython"))
    if has_qr_tools():
        assert qr_codes(path, tmp_path) == sorted(secrets.values())


def test_redelivered_request_renders_and_records_once(client, db, render_db):
    _, token = user_with_usage(client, db, "o@example.com", 10)
    _request(client, token, {"rows": rows(2)})
    deliveries = recorded(db, "badge.requested")
    handle(render_db, render_badge, deliveries, commit=False)  # rendered, died, no ack
    handle(render_db, render_badge, deliveries)  # redelivered: renders again, commits
    handle(render_db, render_badge, deliveries)  # a duplicate: filtered by tracking
    handle(render_db, render_badge, deliveries, consumer=None)  # even unfiltered: no-op
    assert len(recorded(db, "badge.generated")) == 1


def test_render_failure_after_retries_fails_badge_and_gives_usage_back(
        client, db, base_config, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    broken = Database(base_config.with_(badge_storage=str(blocker / "badges")))
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    url = _request(client, token, {"rows": rows(4)})
    assert usage_of(db, user_id) == 6
    [delivery] = recorded(db, "badge.requested")
    try:
        for _ in range(3):  # each retry fails the same way; nothing is committed
            with pytest.raises(OSError):
                handle(broken, render_badge, [delivery])
        assert usage_of(db, user_id) == 6
        give_up(broken, give_up_badge, delivery, "NotADirectoryError: storage")
        give_up(broken, give_up_badge, delivery, "NotADirectoryError: storage")
    finally:
        broken.dispose()
    got = client.get(url, headers=auth(token)).get_json()["data"]["attributes"]
    assert got["status"] == "failed" and "NotADirectoryError" in got["failure-reason"]
    assert usage_of(db, user_id) == 10  # given back exactly once
    assert recorded(db, "badge.generated") == []


def test_progress_is_visible_while_a_thousand_badges_render(client, db, render_db):
    _, token = user_with_usage(client, db, "o@example.com", 1000)
    _request(client, token, {"rows": rows(1000, secrets=True)})
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            with db.session() as s:
                seen.add(s.scalar(select(Badge.progress)))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        handle(render_db, render_badge, recorded(db, "badge.requested"))
    finally:
        stop.set()
        watcher.join()
    assert any(0 < p < 100 for p in seen), seen
    with db.session() as s:
        badge = s.scalar(select(Badge))
    assert (badge.status, badge.page_count) == ("generated", 250)
    pages, text = pdf_pages_text(Path(badge.file_path))  # every row made it, none twice
    assert pages == 250 and badge.size_bytes == Path(badge.file_path).stat().st_size
    assert [text.count(f"Attendee {i:04d}") for i in (0, 499, 999)] == [1, 1, 1]


def test_a_message_without_a_badge_id_is_permanent_and_give_up_ignores_it(render_db):
    from bus.consume import Delivery, Permanent

    bad = Delivery(message_id="m1", routing_key="badge.requested", type="x", data={},
                   envelope={}, headers={}, attempt=1, redelivered=False)
    with pytest.raises(Permanent):
        handle(render_db, render_badge, [bad])
    give_up(render_db, give_up_badge, bad, "Permanent: no badge_id")


def test_the_brokers_last_delivery_of_a_render_that_kills_the_consumer_gives_the_badge_up(
        client, db, render_db):
    """A render that kills its process is redelivered until the queue's delivery limit,
    then the broker dead-letters it and no code of ours runs: the last delivery is given
    up first, so the badge fails and the usage comes back. One whose effect was applied
    (only its ack was lost) is acked instead."""
    from consumers.tracking import TrackedWork

    user_id, token = user_with_usage(client, db, "k@example.com", 10)
    url = _request(client, token, {"rows": rows(4)})
    [delivery] = recorded(db, "badge.requested")
    work = TrackedWork(render_db, CONSUMER, max_attempts=4, delivery_limit=20)
    delivery.headers["x-delivery-count"] = 19  # 19 unanswered deliveries before this one
    [outcome] = work([delivery])
    assert outcome.action == "dead" and "delivered 20 times" in outcome.error
    got = client.get(url, headers=auth(token)).get_json()["data"]["attributes"]
    assert got["status"] == "failed" and usage_of(db, user_id) == 10

    url = _request(client, token, {"rows": rows(2)})
    applied = recorded(db, "badge.requested")[-1]
    assert work([applied]) == [ACK]  # rendered, but the ack was lost
    applied.headers["x-delivery-count"] = 25
    assert work([applied]) == [ACK]  # applied before: acked, not given up
    got = client.get(url, headers=auth(token)).get_json()["data"]["attributes"]
    assert got["status"] == "generated"
