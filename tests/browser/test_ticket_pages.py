"""Tickets in the browser: a signed-in buyer's "my tickets" page links each completed
order's PDF, the door desk's card links the scanned attendee's order, and each link
serves the PDF whose QR codes are the door codes; a stranger's link is refused."""

from __future__ import annotations

import os
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from printing.preview import rasterise
from tests.browser.conftest import (
    DESK,
    PHONE,
    SCREENSHOT_DIR,
    open_desk,
    save_screenshot,
    scan,
    sign_in,
)
from tests.support.door import PASSWORD, DoorWorld, make_door_world
from tests.support.pdfs import qr_codes


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def _codes_behind(page: Page, href: str, tmp_path, pages: int) -> list[str]:
    r = page.request.get(urljoin(page.url, href))
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    path = tmp_path / "tickets.pdf"
    path.write_bytes(r.body())
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        (SCREENSHOT_DIR / "ticket-pdf.png").write_bytes(rasterise(r.body(), 96))
    return [code for n in range(1, pages + 1) for code in qr_codes(path, tmp_path, n)]


def test_my_tickets_links_each_completed_orders_pdf(page: Page, live_app: str, world,
                                                    tmp_path):
    sign_in(page, live_app, "buyer@example.com", PASSWORD, "/tickets")
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    ada = world.attendees["Ada"]
    row = page.locator(f"[data-order='{world.identifiers[ada.order_id]}']")
    expect(row).to_contain_text("PyCon Door Test")
    expect(row).to_contain_text("2 tickets")
    link = row.get_by_role("link", name="Tickets (PDF)")
    codes = _codes_behind(page, link.get_attribute("href"), tmp_path, 2)
    assert codes == [world.order_code("Ada"), world.order_code("Grace")]
    carl = page.locator(f"[data-order='{world.identifiers[world.attendees['Carl'].order_id]}']")
    expect(carl).to_contain_text("cancelled")
    expect(carl.get_by_role("link")).to_have_count(0)
    page.set_viewport_size(PHONE)
    save_screenshot(page, "my-tickets-phone")


def test_the_door_card_links_the_attendees_tickets(page: Page, live_app: str, world,
                                                   tmp_path):
    open_desk(page, live_app, world)
    scan(page, world.order_code("Alan"))
    card = page.locator("#result [data-outcome]")
    expect(card).to_have_attribute("data-outcome", "ok")
    link = card.get_by_role("link", name="Tickets (PDF)")
    assert _codes_behind(page, link.get_attribute("href"), tmp_path, 1) == \
        [world.order_code("Alan")]
    page.set_viewport_size(DESK)
    save_screenshot(page, "door-desk-tickets")


def test_a_stranger_gets_no_tickets_of_others(page: Page, live_app: str, world):
    sign_in(page, live_app, "stranger@example.com", PASSWORD, "/tickets")
    expect(page.locator("[data-order]")).to_have_count(0)
    identifier = world.identifiers[world.attendees["Ada"].order_id]
    for ref in (identifier, str(world.attendees["Ada"].order_id)):
        assert page.request.get(f"{live_app}/tickets/{ref}.pdf").status == 404
