"""The remote's venue parts in chromium: now playing with its picture and a progress bar
that moves by itself, seek, the queue (reorder, remove), groups, guest requests waiting
for approval; and the guests' phone page."""

from __future__ import annotations

import json
from datetime import timedelta

from playwright.sync_api import Page, expect

from models.accounts.users import create_user
from models.core.base import utcnow
from models.speakers import guests
from models.speakers.groups import create_speaker_group
from models.speakers.queue import add_to_queue
from models.speakers.service import register_speaker
from models.speakers.tables import Speaker
from tests.browser.conftest import DESK, save_screenshot, sign_in
from tests.support.accounts import verify_user
from tests.support.outbox import outbox_rows
from tests.support.processes import wait_until

PASSWORD = "password123"
THUMB = "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"


def playing(db, speaker_id: int) -> None:
    with db.session() as s:
        speaker = s.get(Speaker, speaker_id)
        speaker.state = {"status": "playing", "title": "Never Gonna Give You Up",
                         "artist": "Rick Astley", "thumbnail_url": THUMB,
                         "position_ms": 30_000, "duration_ms": 213_000, "volume": 80}
        speaker.state_status = "playing"
        speaker.state_received_at = speaker.last_seen_at = utcnow() - timedelta(seconds=1)
        s.commit()


def test_the_remote_shows_the_venue_and_the_owner_works_the_queue(page: Page, live_app: str,
                                                                   db):
    owner = create_user(db, "dj@example.com", PASSWORD)
    verify_user(db, owner)  # registering a speaker needs a verified address
    hall, _ = register_speaker(db, owner, "Main hall")
    bar, _ = register_speaker(db, owner, "Bar")
    create_speaker_group(db, owner, "Whole venue", [hall.id, bar.id])
    for song in ("first song", "second song", "third song"):
        add_to_queue(db, owner, hall.id, song)
    link = guests.open_guest_requests(db, owner, hall.id, "approve")
    guests.request_song(db, link.token, "c" * 32, "203.0.113.5", "guest favourite")
    playing(db, hall.id)

    sign_in(page, live_app, "dj@example.com", PASSWORD, "/speakers")
    card = page.locator(f"[data-speaker='{hall.id}']")
    expect(card.locator("[data-field=artist]")).to_have_text("Rick Astley")
    expect(card.locator("img.cover")).to_have_attribute("src", THUMB)
    expect(page.locator("[data-group]")).to_contain_text("Whole venue")
    bar_ = card.locator("progress[data-field=progress]")
    first = float(bar_.evaluate("b => b.value"))
    page.wait_for_timeout(1200)
    assert float(bar_.evaluate("b => b.value")) >= first + 900  # it moves by itself

    card.get_by_label("Move first song down").click()
    expect(card.locator(".queue-items li .q")).to_have_text(
        ["second song", "first song", "third song"])
    card.get_by_label("Remove third song").click()
    expect(card.locator(".queue-items li .q")).to_have_text(["second song", "first song"])
    expect(card.locator("[data-request]")).to_contain_text("guest favourite")
    save_screenshot(page, "speaker-venue-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "speaker-venue")

    card.locator("[data-request]").get_by_role("button", name="Approve").click()
    expect(card.locator("[data-request]")).to_have_count(0)
    expect(card.locator(".queue-items li .q")).to_have_text(
        ["second song", "first song", "guest favourite"])
    card.get_by_label("Seek in the song").fill("120000")
    expect(card.locator(".error-slot")).to_be_empty()
    [seek] = wait_until(lambda: outbox_rows(db, f"speaker.{hall.id}.seek"), timeout=10,
                        what="the seek command in the outbox")
    assert json.loads(seek.payload)["data"]["position_ms"] == 120_000


def test_a_guest_requests_a_song_on_the_phone_page(page: Page, live_app: str, db):
    owner = create_user(db, "dj@example.com", PASSWORD)
    verify_user(db, owner)  # registering a speaker needs a verified address
    hall, _ = register_speaker(db, owner, "Main hall")
    link = guests.open_guest_requests(db, owner, hall.id, "approve")

    page.goto(f"{live_app}/guest/{link.token}")
    page.get_by_label("Song").fill("daft punk one more time")
    page.get_by_role("button", name="Request").click()

    expect(page.get_by_role("status")).to_contain_text("waiting for the host")
    save_screenshot(page, "guest-request-phone")
    page.get_by_label("Song").fill("http://192.168.1.1/x.mp3")
    page.get_by_role("button", name="Request").click()
    expect(page.get_by_role("alert")).to_contain_text("query must be")
    page.set_viewport_size(DESK)
    save_screenshot(page, "guest-request")


def test_the_remote_works_a_groups_own_queue(page: Page, live_app: str, db):
    owner = create_user(db, "dj@example.com", PASSWORD)
    verify_user(db, owner)
    hall, _ = register_speaker(db, owner, "Main hall")
    bar, _ = register_speaker(db, owner, "Bar")
    group = create_speaker_group(db, owner, "Whole venue", [hall.id, bar.id]).group
    link = guests.open_guest_requests(db, owner, guests.Target(group_id=group.id), "approve")
    guests.request_song(db, link.token, "c" * 32, "203.0.113.5", "guest favourite")

    sign_in(page, live_app, "dj@example.com", PASSWORD, "/speakers")
    card = page.locator(f"[data-group='{group.id}']")
    expect(card.locator("[data-member]")).to_have_count(2)
    for song in ("first song", "second song"):
        card.get_by_label("Add to the queue of Whole venue").fill(song)
        card.get_by_role("button", name="Add").click()
        expect(card.locator(".queue-items li .q").last).to_have_text(song)
    card.get_by_role("button", name="Move second song up").click()
    expect(card.locator(".queue-items li .q")).to_have_text(["second song", "first song"])
    card.locator("[data-request]").get_by_role("button", name="Approve").click()
    expect(card.locator(".queue-items li .q")).to_have_text(
        ["second song", "first song", "guest favourite"])

    # no query: the queue from its present song (the first added), for every member
    card.get_by_role("button", name="Play", exact=True).click()

    expect(card.locator(".queue-items li.playing .q")).to_have_text("first song")
    [play] = wait_until(lambda: outbox_rows(db, f"speaker_group.{group.id}.play"),
                        timeout=10, what="the group's play in the outbox")
    data = json.loads(play.payload)["data"]
    assert data["query"] == "first song" and data["prefetch"] == "guest favourite"
    card.get_by_role("button", name="Next").click()
    expect(card.locator(".queue-items li.playing .q")).to_have_text("guest favourite")
    assert outbox_rows(db, f"speaker.{hall.id}.play") == []  # one group play, not per member
    card.scroll_into_view_if_needed()
    save_screenshot(page, "speaker-group-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "speaker-group")


def titled(db, speaker_id: int, title: str) -> None:
    """The device reports another song (what the card's next refresh shows)."""
    with db.session() as s:
        speaker = s.get(Speaker, speaker_id)
        speaker.state = {**speaker.state, "title": title}
        speaker.last_seen_at = utcnow()
        s.commit()


def test_the_card_pauses_refreshing_only_while_the_slider_is_held(page: Page, live_app: str,
                                                                  db):
    owner = create_user(db, "dj@example.com", PASSWORD)
    verify_user(db, owner)
    hall, _ = register_speaker(db, owner, "Main hall")
    playing(db, hall.id)
    sign_in(page, live_app, "dj@example.com", PASSWORD, "/speakers")
    card = page.locator(f"[data-speaker='{hall.id}']")
    title = card.locator("[data-field=title]")
    expect(title).to_have_text("Never Gonna Give You Up")

    card.get_by_label("Seek in the song").fill("120000")
    wait_until(lambda: outbox_rows(db, f"speaker.{hall.id}.seek"), timeout=10,
               what="the seek command in the outbox")
    card.get_by_label("Seek in the song").focus()  # a slider with the focus, not held
    titled(db, hall.id, "After the seek")
    expect(title).to_have_text("After the seek", timeout=10_000)  # refreshing again

    slider = card.get_by_label("Seek in the song")
    box = slider.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    page.mouse.down()  # held: the card must not swap the slider away under the finger
    titled(db, hall.id, "While held")
    page.wait_for_timeout(4500)  # two refresh periods and more
    expect(title).to_have_text("After the seek")
    page.mouse.up()
    expect(title).to_have_text("While held", timeout=10_000)
