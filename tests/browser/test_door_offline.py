"""The door desk keeps deciding when the network drops (issue 28), in Debian's chromium
with Playwright's context.set_offline: scans decided from the desk's copy of its list,
queued with nonce, scan time and device, uploaded once back online; conflicts shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from models.ticketing.checkin import lists
from models.ticketing.orders.cancel import cancel_order
from tests.browser.conftest import DESK, PHONE, save_screenshot, sign_in
from tests.support.door import PASSWORD, DoorWorld, make_door_world, scans_of


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def open_desk(page: Page, base: str, world: DoorWorld, device: str, list_name: str) -> None:
    path = f"/door/{world.event.id}"
    sign_in(page, base, "door@example.com", PASSWORD, path)
    page.get_by_label("Entry (check in)").check()
    page.get_by_label("Check-in list").select_option(label=list_name)
    page.get_by_label("Device name").fill(device)
    page.get_by_role("button", name="Open the door desk").click()
    expect(page.locator(".list-name")).to_have_text(list_name)
    synced(page)


def synced(page: Page) -> None:
    """The desk holds its copy of the list and knows it is online."""
    expect(page.locator("[data-door]")).to_have_attribute("data-synced", re.compile(".+"))
    expect(page.locator("[data-door]")).to_have_attribute("data-offline", "false")


def scan(page: Page, code: str) -> None:
    page.locator("#scan-input").fill(code)
    page.locator("#scan-input").press("Enter")


def card(page: Page):
    return page.locator("#result [data-outcome]")


def go_offline(page: Page) -> None:
    page.context.set_offline(True)
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10_000)


def back_online(page: Page) -> None:
    page.context.set_offline(False)
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=15_000)


def once_list(db, world: DoorWorld, name: str = "Once", **rules) -> int:
    return lists.create_check_in_list(db, world.owner, world.event.id, {
        "name": name, "allow_re_entry": False, "entry_after_exit": False, **rules}).row.id


def test_offline_mid_scan_decides_locally_and_uploads_each_scan_once_with_its_time(
        page: Page, live_app: str, db, world: DoorWorld):
    once_list(db, world)
    page.set_viewport_size(DESK)
    open_desk(page, live_app, world, "Main door", "Once")
    scan(page, world.secret("Ada"))
    expect(card(page)).to_have_attribute("data-outcome", "ok")
    go_offline(page)
    guests = [f"Guest {n:02d}" for n in range(1, 20)]
    before = datetime.now(UTC)
    for name in guests:
        scan(page, world.secret(name))
        expect(card(page)).to_have_attribute("data-offline", "true")
        expect(card(page)).to_contain_text(name)
    scan(page, world.order_code("Guest 01"))  # the same ticket by its other code
    expect(card(page)).to_have_attribute("data-reason", "already_inside")
    expect(page.locator("#offline-banner")).to_contain_text("19 scans to upload")
    save_screenshot(page, "door-offline-banner")
    assert all(scans_of(db, world.attendees[n]) == [] for n in guests)
    back_online(page)
    for name in guests:
        [entry] = scans_of(db, world.attendees[name])
        assert (entry.kind, entry.device_name) == ("entry", "Main door")
        assert before <= entry.at <= entry.created_at  # the time it was made, kept
    assert [s.device_name for s in scans_of(db, world.attendees["Ada"])] == ["Main door"]


def test_two_desks_admitting_one_ticket_offline_leave_one_conflict(
        page: Page, browser: Browser, live_app: str, db, world: DoorWorld):
    other = browser.new_context(viewport=PHONE).new_page()
    try:
        open_desk(page, live_app, world, "Desk A", "Default")
        open_desk(other, live_app, world, "Desk B", "Default")
        go_offline(page)
        go_offline(other)
        for desk in (page, other):
            scan(desk, world.secret("Grace"))
            expect(card(desk)).to_have_attribute("data-outcome", "ok")
        back_online(page)
        back_online(other)
        assert sorted(s.device_name for s in scans_of(db, world.attendees["Grace"])) == \
            ["Desk A", "Desk B"]
        conflict = page.locator("#conflicts [data-conflict=double_entry]")
        expect(conflict).to_have_count(1, timeout=15_000)
        expect(conflict).to_contain_text("Grace Hopper")
        expect(conflict).to_contain_text("Desk A")
        expect(conflict).to_contain_text("Desk B")
        page.set_viewport_size(DESK)
        save_screenshot(page, "door-conflict")
    finally:
        other.context.close()


def test_a_ticket_cancelled_while_the_desk_was_offline_shows_a_conflict(
        page: Page, live_app: str, db, world: DoorWorld):
    open_desk(page, live_app, world, "Main door", "Default")
    go_offline(page)
    cancel_order(db, world.owner, world.attendees["Alan"].order_id)
    scan(page, world.secret("Alan"))
    expect(card(page)).to_have_attribute("data-outcome", "ok")  # the desk could not know
    back_online(page)
    conflict = page.locator("#conflicts [data-conflict=refused_after_admitted]")
    expect(conflict).to_contain_text("Alan Turing", timeout=15_000)
    expect(conflict).to_contain_text("attendee_cancelled")
    assert scans_of(db, world.attendees["Alan"]) == []


def test_a_vip_list_refuses_a_standard_ticket_online_and_offline(
        page: Page, live_app: str, db, world: DoorWorld):
    lists.create_check_in_list(db, world.owner, world.event.id, {
        "name": "VIP", "ticket_ids": [world.attendees["Alan"].ticket_id]})
    open_desk(page, live_app, world, "VIP door", "VIP")
    scan(page, world.secret("Ada"))
    expect(card(page)).to_have_attribute("data-reason", "wrong_list")
    expect(card(page)).to_contain_text("Ada Lovelace")
    expect(card(page)).to_contain_text("Standard")
    go_offline(page)
    scan(page, world.secret("Grace"))
    expect(card(page)).to_have_attribute("data-offline", "true")
    expect(card(page)).to_have_attribute("data-reason", "wrong_list")
    expect(card(page)).to_contain_text("Grace Hopper")
    expect(card(page)).to_contain_text("Standard")
    scan(page, world.secret("Alan"))
    expect(card(page)).to_have_attribute("data-outcome", "ok")
    back_online(page)
    assert scans_of(db, world.attendees["Ada"]) == scans_of(db, world.attendees["Grace"]) == []
    assert len(scans_of(db, world.attendees["Alan"])) == 1


def test_without_re_entry_a_second_entry_is_refused(page: Page, live_app: str, db,
                                                    world: DoorWorld):
    once_list(db, world)
    open_desk(page, live_app, world, "Main door", "Once")
    scan(page, world.secret("Ada"))
    expect(card(page)).to_have_attribute("data-outcome", "ok")
    scan(page, world.order_code("Ada"))
    expect(card(page)).to_have_attribute("data-reason", "already_inside")
    expect(card(page)).to_contain_text("Ada Lovelace")
    assert len(scans_of(db, world.attendees["Ada"])) == 1


def test_the_desk_reloads_from_its_cache_with_the_network_off(page: Page, live_app: str, db,
                                                              world: DoorWorld):
    open_desk(page, live_app, world, "Main door", "Default")
    expect(page.locator("[data-door]")).to_have_attribute("data-cached", "true")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".list-name")).to_have_text("Default")
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10_000)
    scan(page, world.secret("Ada"))
    expect(card(page)).to_have_attribute("data-offline", "true")
    expect(card(page)).to_contain_text("Ada Lovelace")
    back_online(page)
    assert len(scans_of(db, world.attendees["Ada"])) == 1
