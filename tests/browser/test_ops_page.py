"""The operator page walked in chromium by an admin, against whole processes on a vhost of
the test's own: an event waits in the outbox with no relay, the relay publishes it, the
ratings consumer takes it and dead-letters it (its event does not exist yet); the admin
reads the dead letter's payload and error, fixes the cause, replays it after confirming,
and sees it applied and gone. A non-admin is refused; the pause switch stops polling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from contracts.ratings import RatingChanged
from models.accounts.users import create_user
from models.catalog.events import create_event
from models.core.uow import UnitOfWork
from tests.browser.conftest import DESK, PHONE, save_screenshot, sign_in
from tests.support.processes import wait_until
from tests.support.ratings import aggregates

pytestmark = pytest.mark.slow
PASSWORD = "password123"
BROKER = {"timeout": 30_000}  # the management API refreshes its counts every 5 s


@pytest.fixture
def config(base_config, spine):
    """The app on the spine's own vhost, so the page sees the processes' queues."""
    return base_config.with_(amqp_url=spine.env["AMQP_URL"])


def rate_missing_event(db) -> str:
    """A rating for event 1, which does not exist yet: its handler will fail."""
    with UnitOfWork(db) as uow:
        message_id = uow.record(RatingChanged(
            event_id=1, feedback_id=7, user_id=1, change="created", rating=4,
            previous_rating=None, changed_at=datetime.now(UTC).isoformat()))
        uow.commit()
    return message_id


def row(page: Page, consumer: str):
    return page.locator(f"[data-queue={consumer}]")


def test_admin_sees_counts_change_and_replays_a_dead_letter(page: Page, live_app: str, db,
                                                            spine):
    admin = create_user(db, "root@example.com", PASSWORD, is_admin=True,
                        verified=True)  # as `venuebus users create --admin`: no sign-up mail
    message_id = rate_missing_event(db)
    sign_in(page, live_app, "root@example.com", PASSWORD, "/ops")
    expect(page.locator("[data-count=outbox-pending]")).to_have_text("1")
    expect(page.locator("[data-field=relay]")).to_contain_text("no relay connected")

    spine.start("relay", ready="relay running")
    expect(page.locator("[data-field=relay]")).to_contain_text("relay connected", **BROKER)
    expect(page.locator("[data-count=outbox-pending]")).to_have_text("0")
    ratings = row(page, "ratings")
    expect(ratings.locator("[data-field=ready]")).to_have_text("1", **BROKER)
    expect(ratings.locator("[data-field=consumers]")).to_have_text("0")

    spine.start("consume", "ratings", ready="consumer ratings running")
    expect(ratings.locator("[data-field=consumers]")).to_have_text("1", **BROKER)
    expect(page.locator("[data-consumer-of='venuebus.ratings']")).to_contain_text(
        "venuebus-consume-ratings")
    expect(ratings.locator("[data-field=dead]")).to_have_text("✗ 1", **BROKER)
    expect(ratings.locator("[data-field=ready]")).to_have_text("0")
    # at phone width the queues table stays inside its panel (it ran past the edge)
    table, panel = (page.locator(s).bounding_box() for s in (
        "table.queues", "section[aria-label=Queues]"))
    assert table["x"] + table["width"] <= panel["x"] + panel["width"], (table, panel)
    save_screenshot(page, "ops-status-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "ops-status")
    page.set_viewport_size(PHONE)

    ratings.locator("[data-field=dead] a").click()
    letter = page.locator(f"[data-message-id='{message_id}']")
    expect(letter).to_contain_text("rating.changed")
    expect(letter.locator("[data-field=error]")).to_contain_text(
        "events [1] not found for rating.changed")
    expect(letter.locator("[data-field=payload]")).to_contain_text('"event_id": 1')
    expect(letter.locator("[data-field=payload]")).to_contain_text('"rating": 4')

    event = create_event(db, admin, {"name": "Late event", "starts_at": datetime.now(UTC),
                                     "ends_at": datetime.now(UTC)})
    assert event.id == 1  # the event the dead letter names: replaying it will now apply
    letter.get_by_role("button", name="Replay").click()
    confirm = page.get_by_role("alertdialog", name="Confirm the replay")
    expect(confirm).to_contain_text(message_id)
    save_screenshot(page, "ops-dead-letter-phone")
    assert aggregates(db)[1] == (None, 0)  # nothing replayed before the confirmation
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(letter).to_be_visible()

    letter.get_by_role("button", name="Replay").click()
    confirm.get_by_role("button", name="Yes, replay").click()
    expect(page.locator("[data-field=notice]")).to_have_text(
        "✓ Replayed 1 message into venuebus.ratings")
    expect(page.locator("[data-count=dead]")).to_have_text(
        "0 dead letters in venuebus.ratings.dead")
    expect(letter).to_have_count(0)
    wait_until(lambda: aggregates(db)[1] == (4.0, 1), timeout=20)

    page.get_by_role("link", name="← Operator status").click()
    expect(row(page, "ratings").locator("[data-field=dead]")).to_have_text("0", **BROKER)


def test_a_non_admin_is_refused(page: Page, live_app: str, db):
    create_user(db, "staff@example.com", PASSWORD)
    sign_in(page, live_app, "staff@example.com", PASSWORD, "/ops")
    card = page.locator("[data-outcome=refused]")
    expect(card).to_contain_text("Only admins can see the operator page")
    expect(page.locator("#overview")).to_have_count(0)


def test_the_pause_switch_stops_the_refresh(page: Page, live_app: str, db):
    create_user(db, "root@example.com", PASSWORD, is_admin=True, verified=True)  # as `users create`
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/ops/overview")
            else None)
    page.clock.install()
    sign_in(page, live_app, "root@example.com", PASSWORD, "/ops")
    expect(page.locator("[data-count=outbox-pending]")).to_have_text("0")
    with page.expect_request("**/ops/overview"):
        page.clock.run_for(3_500)

    page.get_by_role("switch", name="Pause refresh").check()
    page.wait_for_load_state("networkidle")
    paused = len(polls)
    page.clock.run_for(20_000)
    page.wait_for_load_state("networkidle")
    assert len(polls) == paused

    page.get_by_role("switch", name="Pause refresh").uncheck()
    with page.expect_request("**/ops/overview"):
        page.clock.run_for(3_500)
