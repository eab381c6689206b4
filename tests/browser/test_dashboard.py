"""The organiser's dashboard in chromium, against a relay and a stats consumer running as
processes: three weeks of sales and a morning of scans are shown, and a check-in made
through the API shows on the open page within 2 s, without a reload."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from playwright.sync_api import Page, expect

from models.accounts.users import create_user
from models.catalog import events as catalog
from models.core.base import utcnow
from models.ticketing.checkin.scan import check_in_attendee, check_out_attendee
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.complete import complete_order
from models.ticketing.orders.place import AttendeeDetails, place_order
from tests.browser.conftest import DESK, PHONE, save_screenshot, sign_in
from tests.support.clock import install_clock

pytestmark = pytest.mark.slow
PASSWORD = "password123"
NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Linus Torvalds",
         "Margaret Hamilton", "Dennis Ritchie", "Barbara Liskov", "Ken Thompson"]


def seed(db, monkeypatch) -> tuple[int, list[int], int]:
    """An event with three weeks of orders and three hours of scans before now; returns
    its id, attendees not checked in yet, and how many are."""
    now, rnd = utcnow(), random.Random(25)
    owner = create_user(db, "owner@example.com", PASSWORD, verified=True)
    buyer = create_user(db, "buyer@example.com", PASSWORD, verified=True)
    event = catalog.create_event(db, owner, {"name": "PyCon Dashboard", "starts_at": now,
                                             "ends_at": now + timedelta(days=1)})
    tickets = [catalog.create_ticket(db, owner, event.id, {
        "name": name, "quantity": quantity, "price": Decimal(price), "type": "paid",
        "max_order": 10}) for name, quantity, price in
        (("Standard", 400, "25"), ("Student", 150, "10"), ("Supporter", 40, "90"))]
    with monkeypatch.context() as patch:
        clock = install_clock(patch, now - timedelta(days=21))
        placed = []
        while clock.now < now - timedelta(hours=3, minutes=10):
            ticket = rnd.choices(tickets, weights=(6, 3, 1))[0]
            people = [AttendeeDetails(ticket.id, *rnd.choice(NAMES).split())
                      for _ in range(rnd.randint(1, 4))]
            order = place_order(db, buyer, event.id, people, payment_mode="bank")
            if rnd.random() < 0.85:  # the rest still await their bank transfer
                order = complete_order(db, owner, order.order.id)
            placed.append(order)
            clock.advance(hours=rnd.uniform(1, 8))
        cancel_order(db, owner, placed[3].order.id)
        waiting = [a.id for p in placed if p.order.status == "completed" and p is not placed[3]
                   for a in p.attendees]
        rnd.shuffle(waiting)
        clock.now = now - timedelta(hours=3)
        came, inside = 0, []
        while clock.now < now - timedelta(minutes=5):
            inside.append(waiting.pop())
            check_in_attendee(db, owner.id, inside[-1], device_name=rnd.choice(
                ["Gate A", "Gate B"]))
            came += 1
            if rnd.random() < 0.2:
                check_out_attendee(db, owner.id, inside.pop(rnd.randrange(len(inside))))
            clock.advance(minutes=rnd.expovariate(1 / 2.5))
    return event.id, waiting, came


def test_a_check_in_through_the_api_shows_on_the_open_dashboard_within_2_s(
        page: Page, live_app: str, db, spine, monkeypatch):
    event_id, waiting, checked = seed(db, monkeypatch)
    spine.start("relay", ready="relay running")
    spine.start("consume", "stats", ready="consumer stats running")
    sign_in(page, live_app, "owner@example.com", PASSWORD, f"/events/{event_id}/dashboard")
    expect(page.locator("[data-count=checked-in]")).to_have_text(str(checked),
                                                                   timeout=30_000)
    before = checked

    token = requests.post(f"{live_app}/v1/auth/login", timeout=10, json={
        "email": "owner@example.com", "password": PASSWORD}).json()["access_token"]
    started = time.monotonic()
    r = requests.post(f"{live_app}/v1/attendees/{waiting[0]}/check-in", timeout=10,
                      headers={"Authorization": f"Bearer {token}"},
                      json={"device-name": "Gate C"})
    assert r.status_code in (200, 201), r.text
    expect(page.locator("[data-count=checked-in]")).to_have_text(str(before + 1),
                                                                   timeout=2000)
    print(f"check-in on the dashboard after {time.monotonic() - started:.2f} s")
    expect(page.locator(".latest li").first).to_contain_text("Gate C")

    # at phone width every chart stays inside its panel
    for section in ("Sales", "Check-ins"):
        panel = page.locator(f"section[aria-label={section}]")
        chart, box = panel.locator("svg").bounding_box(), panel.bounding_box()
        assert chart["x"] + chart["width"] <= box["x"] + box["width"], section
    save_screenshot(page, "dashboard-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "dashboard")
    page.set_viewport_size(PHONE)
