"""Browser tests: the real app served over HTTP (werkzeug, in a thread) on this run's
PostgreSQL, driven by Debian's chromium through Playwright.

Playwright runs here per module, not per session (pytest-playwright's fixtures): while its
sync API is up, the main thread has a running asyncio loop, and later tests that call
asyncio.run() would fail. A failing test leaves a screenshot in
test-results/browser/<test>.png (and its path in the report)."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from api.app import create_app
from tests.support.door import PASSWORD
from tests.support.processes import ROOT, Processes, processes
from tests.support.services import fresh_vhost, rabbitmq_server
from tests.support.speaker_identity import RUN_PREFIX, random_secret_key

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FAILURE_DIR = ROOT / "test-results" / "browser"
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian's chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def live_app(config, db) -> Iterator[str]:
    """The app on a free port, its base URL (its BASE_URL too: redirects go there)."""
    app = {}
    server = make_server("127.0.0.1", 0, lambda env, start: app["wsgi"](env, start),
                         threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app["wsgi"] = create_app(config.with_(base_url=base_url), db)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(10)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (its own cookies and storage) at phone size."""
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(_FAILED, False):
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        path = FAILURE_DIR / (re.sub(r"[^\w.-]+", "_", request.node.nodeid) + ".png")
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot of the failure: {path}")
    context.close()


def save_screenshot(page: Page, name: str) -> Path:
    """A screenshot at the page's current size, in test-results/screenshots/; also the
    README's copy in docs/screenshots/ with UPDATE_SCREENSHOTS=1 (so that a test run does
    not change tracked files)."""
    folder = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else \
        ROOT / "test-results" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, base_url: str, email: str, password: str, next_path: str) -> None:
    page.goto(f"{base_url}{next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # the whole suite shares two cores with the live app's thread: room for a slow answer
    page.wait_for_url(f"{base_url}{next_path}", timeout=30_000)


@pytest.fixture
def spine(database_url: str, db, tmp_path: Path) -> Iterator[Processes]:
    """Whole processes (relay, consumers, device agents) on this run's database and a
    vhost of this test's own, so queues and dead letters start empty."""
    with rabbitmq_server() as server, fresh_vhost(server) as vhost_url:
        env = {"DATABASE_URL": database_url, "AMQP_URL": vhost_url,
               "SECRET_KEY": random_secret_key(), "SPEAKER_USER_PREFIX": RUN_PREFIX,
               "SPEAKER_MEDIA_HOSTS": "127.0.0.1",
               "RETRY_DELAYS_MS": "200,400", "DELIVERY_LIMIT": "5", "LOG_LEVEL": "INFO"}
        with processes(env, tmp_path) as group:
            yield group


def open_desk(page: Page, base: str, world, device: str = "Main door") -> None:
    """Sign in as door staff and open the entry desk of `world` (tests/support/door.py)."""
    path = f"/door/{world.event.id}"
    sign_in(page, base, "door@example.com", PASSWORD, path)
    expect(page.get_by_role("heading")).to_contain_text("door setup")
    page.get_by_label("Entry (check in)").check()
    page.get_by_label("Device name").fill(device)
    page.get_by_role("button", name="Open the door desk").click()
    expect(page.locator("#scan-input")).to_be_focused()


def scan(page: Page, code: str) -> None:
    page.locator("#scan-input").fill(code)
    page.locator("#scan-input").press("Enter")
