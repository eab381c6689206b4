"""The sign-in page walked in chromium by someone guessing a password: after the allowed
failures the page answers 429 with Retry-After and says how long to wait, keeps the typed
address, and the right password is refused too until the window ends."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from models.accounts.users import create_user
from tests.browser.conftest import DESK, save_screenshot

PASSWORD = "password123"


@pytest.fixture
def config(base_config):
    return base_config.with_(login_max_failures=3)


def _try(page: Page, base_url: str, password: str):
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email").fill("door@example.com")
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.url.endswith("/signin")
                              and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    return answer.value


def test_a_guesser_is_told_to_wait_and_the_right_password_waits_too(page: Page,
                                                                    live_app: str, db):
    create_user(db, "door@example.com", PASSWORD, verified=True)
    for _ in range(3):
        assert _try(page, live_app, "wrong-guess").status == 401
    refused = _try(page, live_app, PASSWORD)  # the right one, inside the window
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
    expect(page.get_by_text("Too many failed sign-ins: try again in 15 minutes.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("door@example.com")
    assert page.url == f"{live_app}/signin"  # not signed in
    save_screenshot(page, "signin-throttled-phone")
    page.set_viewport_size(DESK)
    save_screenshot(page, "signin-throttled")
