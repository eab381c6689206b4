"""The door desk walked in Debian's chromium as door staff would: set up the desk, scan
tickets, search and pick, undo, check in a whole order, be refused, and lose the network
mid-scan. The state behind the page is checked in the database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESK, PHONE, open_desk, save_screenshot, scan, sign_in
from tests.support.door import PASSWORD, DoorWorld, make_door_world, scans_of


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def expect_counts(page: Page, checked_in: int, total: int, inside: int) -> None:
    """The counters show these numbers (they refresh just after a scan's card)."""
    for name, value in (("checked-in", checked_in), ("total", total), ("inside", inside)):
        expect(page.locator(f"[data-count={name}]")).to_have_text(str(value))


def test_scan_search_undo_and_whole_order(page: Page, live_app: str, db, world: DoorWorld):
    open_desk(page, live_app, world)
    active = len(world.attendees) - 2  # Carl is cancelled, Linus at another event
    expect_counts(page, 0, active, 0)

    scan(page, world.secret("Ada"))
    card = page.locator("#result [data-outcome]")
    expect(card).to_have_attribute("data-outcome", "ok")
    expect(card).to_contain_text("Checked in")
    expect(card).to_contain_text("Ada Lovelace")
    expect(card).to_contain_text("Standard")
    expect(card).to_contain_text("Main door")
    expect(page.locator("[data-count=inside]")).to_have_text("1")
    assert [(s.kind, s.device_name) for s in scans_of(db, world.attendees["Ada"])] == \
        [("entry", "Main door")]
    expect(page.locator("#scan-input")).to_be_focused()
    expect(page.locator("#scan-input")).to_have_value("")

    scan(page, world.secret("Ada"))
    expect(card).to_have_attribute("data-outcome", "inside")
    expect(card).to_contain_text("Already inside")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "door-desk-phone")

    page.locator("#scan-input").press_sequentially("T")
    expect(page.locator(".match")).to_have_count(0)  # nothing listed below two characters
    page.locator("#scan-input").press_sequentially("uring")
    expect(page.locator(".match")).to_have_count(1)
    expect(page.locator(".match")).to_contain_text("Alan Turing")
    page.locator("#scan-input").fill("guest")
    page.locator("#scan-input").dispatch_event("input")
    expect(page.locator(".match")).to_have_count(20)
    page.set_viewport_size(DESK)
    save_screenshot(page, "door-desk-search")
    page.locator("#scan-input").fill("turing")
    page.locator("#scan-input").dispatch_event("input")
    expect(page.locator(".match")).to_have_count(1)
    page.locator(".match").get_by_role("button", name="Check in").click()
    expect(card).to_have_attribute("data-outcome", "ok")
    expect(card).to_contain_text("Alan Turing")
    expect(page.locator(".match")).to_have_count(0)
    expect(page.locator("[data-count=inside]")).to_have_text("2")

    page.get_by_role("button", name="Undo (check out)").click()
    expect(card).to_have_attribute("data-outcome", "out")
    expect(card).to_contain_text("Checked out")
    expect(page.locator("[data-count=inside]")).to_have_text("1")
    assert [s.kind for s in scans_of(db, world.attendees["Alan"])] == ["entry", "exit"]

    scan(page, world.order_code("Ada"))  # Open Event style code; Ada is inside already
    expect(card).to_have_attribute("data-outcome", "inside")
    page.get_by_role("button", name="Check in the whole order").click()
    expect(page.locator("#result")).to_contain_text("1 checked in from the order")
    expect(page.locator("#result [data-outcome=ok]").last).to_contain_text("Grace Hopper")
    expect_counts(page, 3, active, 2)
    assert len(scans_of(db, world.attendees["Grace"])) == 1
    assert len(scans_of(db, world.attendees["Ada"])) == 3  # two scans, then the order code


@pytest.mark.parametrize("who,reason", [
    ("Carl", "order was cancelled"),
    ("Linus", "No ticket of this event has this code"),
])
def test_refused_scans_are_red_with_the_reason(page: Page, live_app: str, db,
                                               world: DoorWorld, who: str, reason: str):
    open_desk(page, live_app, world)
    scan(page, world.secret(who))
    card = page.locator("#result [data-outcome]")
    expect(card).to_have_attribute("data-outcome", "refused")
    expect(card).to_contain_text("Refused")
    expect(card).to_contain_text(reason)
    if who == "Carl":
        save_screenshot(page, "door-desk-refused")
    assert scans_of(db, world.attendees[who]) == []


def test_result_card_clears_itself_after_about_fifteen_seconds(page: Page, live_app: str,
                                                                world: DoorWorld):
    page.clock.install()
    open_desk(page, live_app, world)
    scan(page, world.secret("Ada"))
    card = page.locator("#result [data-outcome]")
    expect(card).to_have_attribute("data-outcome", "ok")
    page.clock.run_for(14_000)
    expect(card).to_be_visible()
    page.clock.run_for(2_000)
    expect(card).to_have_count(0)


def test_failed_scans_are_decided_here_and_uploaded_without_counting_twice(
        page: Page, live_app: str, db, world: DoorWorld):
    """An entry desk whose scan fails decides it from its copy of the list (issue 28;
    tests/browser/test_door_offline.py for the rest) and uploads it later with the nonce
    the failed request carried: the server counts it once whichever arrived."""
    open_desk(page, live_app, world)
    banner = page.locator("#offline-banner")
    # the desk holds its copy of the list (data-offline alone is set before it does)
    expect(page.locator("[data-door]")).to_have_attribute("data-synced", re.compile(".+"))

    # offline: the scan never reaches the server; it is decided here, then uploaded
    page.context.set_offline(True)
    scan(page, world.secret("Grace"))
    expect(banner).to_contain_text("1 scan to upload")
    expect(page.locator("#result [data-outcome]")).to_have_attribute("data-offline", "true")
    assert scans_of(db, world.attendees["Grace"]) == []
    page.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15_000)
    assert len(scans_of(db, world.attendees["Grace"])) == 1

    # the server takes the scan but its answer is lost: the upload reuses the nonce
    lost = []

    def lose_answer(route):
        route.fetch()  # the server checks Ada in
        lost.append(route.request.post_data)
        route.abort()

    page.route(re.compile(r".*/scan$"), lose_answer)
    scan(page, world.secret("Ada"))
    expect(page.locator("#result [data-outcome]")).to_contain_text("Ada Lovelace")
    page.unroute(re.compile(r".*/scan$"))
    expect(banner).to_be_hidden(timeout=15_000)
    ada = scans_of(db, world.attendees["Ada"])
    assert len(ada) == 1 and len(lost) == 1 and f"nonce={ada[0].nonce}" in lost[0]
    expect(page.locator("[data-count=inside]")).to_have_text("2", timeout=15_000)


def test_posts_without_the_csrf_token_or_from_strangers_change_nothing(
        page: Page, live_app: str, db, world: DoorWorld):
    open_desk(page, live_app, world)
    scan_url = f"{live_app}/door/{world.event.id}/scan"
    form = {"code": world.secret("Ada"), "nonce": "forged-nonce"}
    forged = page.request.post(scan_url, form=form)  # staff's cookie, no CSRF token
    assert forged.status == 400
    assert scans_of(db, world.attendees["Ada"]) == []

    # leave the desk first: its polls, answered after the cookies are cleared, would set
    # a session of their own over the sign-in form's (and its CSRF token)
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, live_app, "stranger@example.com", PASSWORD, f"/door/{world.event.id}")
    expect(page.locator("[data-outcome=refused]")).to_contain_text("owner or its staff")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    refused = page.request.post(scan_url, form=form, headers={"X-CSRFToken": token})
    assert refused.status == 403
    assert scans_of(db, world.attendees["Ada"]) == []


RECORD_BEEPS = """
window.beeps = [];
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() {
    const osc = super.createOscillator();
    const start = osc.start.bind(osc);
    osc.start = (when) => { window.beeps.push(osc.frequency.value); start(when); };
    return osc;
  }
};
"""


def test_exit_desk_checks_out_and_sounds_play_once_enabled(page: Page, live_app: str, db,
                                                           world: DoorWorld):
    from models.ticketing.checkin.scan import check_in_attendee

    check_in_attendee(db, world.staff.id, world.attendees["Ada"].id, device_name="Main door")
    page.add_init_script(RECORD_BEEPS)
    sign_in(page, live_app, "door@example.com", PASSWORD, f"/door/{world.event.id}")
    page.get_by_label("Exit (check out)").check()
    page.get_by_label("Device name").fill("Side exit")
    page.get_by_role("button", name="Open the door desk").click()
    expect(page.locator(".pill.mode-exit")).to_have_text("Exit")

    scan(page, world.secret("Ada"))  # sounds are off until a click turns them on
    card = page.locator("#result [data-outcome]")
    expect(card).to_have_attribute("data-outcome", "out")
    expect(card).to_contain_text("Side exit")
    assert page.evaluate("window.beeps") == []

    page.get_by_role("button", name="Sounds off").click()
    expect(page.get_by_role("button", name="Sounds on")).to_have_attribute("aria-pressed",
                                                                           "true")
    scan(page, world.secret("Ada"))  # not inside any more: refused, with the error sound
    expect(card).to_have_attribute("data-outcome", "refused")
    expect(card).to_contain_text("needs to be checked in first")
    assert page.evaluate("window.beeps") == [880, 220, 180]  # the click's chirp, the error
    assert [(s.kind, s.device_name) for s in scans_of(db, world.attendees["Ada"])] == \
        [("entry", "Main door"), ("exit", "Side exit")]
