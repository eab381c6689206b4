"""Print at the door: a checked-in attendee's card has "Print badge", which opens that
attendee's badge alone, in the event's template, carrying the ticket's check-in code.
Someone who may not work the door gets nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from models.badges.designs import create_badge_template
from tests.browser.conftest import open_desk, scan, sign_in
from tests.support.door import PASSWORD, DoorWorld, make_door_world
from tests.support.pdfs import has_qr_tools, pdf_pages_text, qr_codes

PT = 72 / 25.4


@pytest.fixture
def world(db) -> DoorWorld:
    return make_door_world(db)


def test_print_badge_opens_the_attendees_badge_in_the_events_template(
        page: Page, live_app: str, db, world: DoorWorld, tmp_path):
    create_badge_template(db, world.owner, name="Door", event_id=world.event.id, template={
        "badge-size": "a6", "paper-size": "A4", "background-colour": "#fff3e0",
        "lines": [{"field": "first-name", "size-pt": 28, "bold": True},
                  {"field": "last-name", "size-pt": 16}, {"field": "ticket", "size-pt": 12}]})
    open_desk(page, live_app, world)
    scan(page, world.secret("Ada"))
    link = page.locator("#result [data-outcome=ok]").get_by_role("link", name="Print badge")
    expect(link).to_have_attribute("target", "_blank")
    answer = page.request.get(f"{live_app}{link.get_attribute('href')}")
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    path = tmp_path / "door.pdf"
    path.write_bytes(answer.body())
    pages, text = pdf_pages_text(path)
    assert pages == 1 and "Ada" in text and "Lovelace" in text and "Standard" in text
    box = PdfReader(str(path)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((105 * PT, 148 * PT), abs=0.5)
    if has_qr_tools():
        assert qr_codes(path, tmp_path) == [world.secret("Ada")]


def test_strangers_and_other_events_attendees_get_no_badge(page: Page, live_app: str, db,
                                                           world: DoorWorld):
    ada = world.attendees["Ada"].id
    sign_in(page, live_app, "stranger@example.com", PASSWORD, "/badges/design")
    r = page.request.get(f"{live_app}/door/{world.event.id}/attendees/{ada}/badge.pdf")
    assert r.status == 403 and b"%PDF" not in r.body()
    page.context.clear_cookies()
    sign_in(page, live_app, "door@example.com", PASSWORD, "/badges/design")
    linus = world.attendees["Linus"].id  # at another event: not this desk's
    r = page.request.get(f"{live_app}/door/{world.event.id}/attendees/{linus}/badge.pdf")
    assert r.status == 404 and b"%PDF" not in r.body()
    carl = world.attendees["Carl"].id  # cancelled
    r = page.request.get(f"{live_app}/door/{world.event.id}/attendees/{carl}/badge.pdf")
    assert r.status == 404
