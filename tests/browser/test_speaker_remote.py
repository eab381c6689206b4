"""The speaker remote walked in chromium by a speaker's owner, against whole processes:
page → outbox → relay → RabbitMQ → device agent (libvlc writing a WAV file) → state →
speakers consumer → the card, refreshed by polling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from device.media_server import make_tone
from models.accounts.users import create_user
from models.core.config import Config
from models.speakers.identity import device_amqp_url
from models.speakers.service import command_speaker, register_speaker
from tests.browser.conftest import DESK, save_screenshot, sign_in
from tests.support.processes import free_port
from tests.support.speaker_identity import RUN_PREFIX

pytestmark = pytest.mark.slow
PASSWORD = "password123"


def test_play_pause_volume_stop_and_changes_made_elsewhere(page: Page, live_app: str, db,
                                                           spine, tmp_path):
    owner = create_user(db, "dj@example.com", PASSWORD, verified=True)
    speaker, device_token = register_speaker(db, owner, "Main hall")
    register_speaker(db, create_user(db, "other@example.com", PASSWORD, verified=True),
                     "Not mine")
    media = tmp_path / "media"
    media.mkdir()
    make_tone(media / "song.wav", 120)
    media_port = free_port()
    spine.start("relay", ready="relay running")
    spine.start("consume", "speakers", ready="consumer speakers running")
    spine.start("consume", "provisioner", ready="consumer provisioner running")
    spine.start("device", "media-server", "--dir", str(media), "--port", str(media_port),
                "--no-demo", ready="media server on")

    sign_in(page, live_app, "dj@example.com", PASSWORD, "/speakers")
    card = page.locator(f"[data-speaker='{speaker.id}']")
    expect(page.locator("[data-speaker]")).to_have_count(1)  # only the owner's own
    expect(card.locator(".presence")).to_contain_text("never seen")

    spine.start("device", "run", "--id", str(speaker.id), "--token", device_token,
                "--amqp-url", device_amqp_url(Config(amqp_url=spine.env["AMQP_URL"],
                                                     speaker_user_prefix=RUN_PREFIX),
                                              speaker.id, device_token),
                "--audio-file", str(tmp_path / "out.wav"), "--state-dir", str(tmp_path / "dev"),
                ready="listening on")
    expect(card.locator(".presence")).to_contain_text("online", timeout=20_000)

    card.get_by_role("button", name="Play").click()  # no query: refused, nothing sent
    expect(card.locator(".error-slot")).to_contain_text("query must be")
    expect(card.locator("[data-command]")).to_have_count(0)

    card.get_by_label("What to play on Main hall").fill(f"http://127.0.0.1:{media_port}/song.wav")
    card.get_by_role("button", name="Play").click()
    expect(card.locator(".error-slot")).to_be_empty()
    play = card.locator("[data-command=play]")
    expect(play).to_have_attribute("data-status", "sent")
    expect(play).to_have_attribute("data-status", "done", timeout=20_000)
    expect(card.locator("[data-field=status]")).to_have_text("playing")
    expect(card.locator("[data-field=title]")).to_have_text("song")
    expect(card.locator("[data-field=position]")).to_contain_text("/ 2:00")

    card.get_by_role("button", name="Pause").click()
    expect(card.locator("[data-command=pause]")).to_have_attribute("data-status", "done",
                                                                   timeout=15_000)
    expect(card.locator("[data-field=status]")).to_have_text("paused")

    card.get_by_label("Volume").fill("30")  # a range input: fires change, as a drag ends
    expect(card.locator("[data-field=volume]")).to_have_text("30", timeout=15_000)
    save_screenshot(page, "speaker-remote-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "speaker-remote")

    command_speaker(db, owner, speaker.id, "resume")  # elsewhere (the API's service)
    expect(card.locator("[data-field=status]")).to_have_text("playing", timeout=15_000)

    card.get_by_role("button", name="Stop").click()
    expect(card.locator("[data-field=status]")).to_have_text("stopped", timeout=15_000)
    expect(card.locator("[data-command=stop]")).to_have_attribute("data-status", "done")
    expect(card.locator("[data-command=volume]")).to_have_count(1)
