"""The badge designer walked in chromium: the preview follows the typing, sizes and paper
change what fits, a background is uploaded, a name in Arabic and Japanese previews with
real glyphs, a name no font covers is refused in place, and the design is saved and used.
Screenshots at phone and desk width: empty, designed, Arabic + CJK."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.accounts.users import create_user
from models.badges.tables import BadgeTemplate
from tests.browser.conftest import DESK, save_screenshot, sign_in
from tests.support.badges import set_usage

PASSWORD = "password123"


def _preview_pixels(page: Page) -> Image.Image:
    src = page.evaluate("document.querySelector('#preview img').src")  # absolute
    body = page.request.get(src).body()
    return Image.open(io.BytesIO(body)).convert("RGB")


def _shown(page: Page) -> None:
    """Wait until the preview image has loaded (a screenshot before shows an empty box)."""
    img = page.locator("#preview img")
    for _ in range(100):
        if img.evaluate("i => i.complete && i.naturalWidth > 0"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the preview image did not load")


def _type_name(page: Page, name: str) -> None:
    old = page.locator("#preview img").get_attribute("src")
    page.get_by_label("Name", exact=True).fill(name)
    expect(page.locator("#preview img")).not_to_have_attribute("src", old or "")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_design_preview_upload_scripts_and_save(page: Page, live_app: str, db, tmp_path,
                                                viewport):
    user = create_user(db, "designer@example.com", PASSWORD, verified=True)
    set_usage(db, "designer@example.com", 10)
    if viewport == "desk":
        page.set_viewport_size(DESK)
    sign_in(page, live_app, "designer@example.com", PASSWORD, "/badges/design")
    expect(page.locator("#preview img")).to_be_visible()
    expect(page.locator(".fits")).to_have_attribute("data-per-page", "4")  # 4x3in on A4
    _shown(page)
    save_screenshot(page, f"badge-designer-empty-{viewport}")

    page.get_by_label("Paper").select_option("A3")
    expect(page.locator(".fits")).to_have_attribute("data-per-page", "10")
    page.get_by_label("Background", exact=True).fill("#ff8800")
    page.get_by_label("Built-in").select_option("plain")
    _type_name(page, "Grace Hopper")
    img = _preview_pixels(page)
    assert img.getpixel((3, img.size[1] - 3)) == (255, 136, 0)

    picture = tmp_path / "bg.png"
    Image.new("RGB", (1200, 900), (20, 160, 60)).save(picture)
    page.locator("input[type=file]").set_input_files(str(picture))
    page.get_by_role("button", name="Upload background").click()
    expect(page.locator("[data-image]")).to_be_visible()
    expect(page.locator("#preview img")).to_have_attribute(
        "src", re.compile(r"background-image=\d+"))
    r, g, b = _preview_pixels(page).getpixel((3, 150))
    assert g > 120 and r < 60  # the uploaded green covers the badge
    _shown(page)
    save_screenshot(page, f"badge-designer-designed-{viewport}")

    _type_name(page, "محمد عبد الله 山田太郎")
    expect(page.locator("#preview [role=alert]")).to_have_count(0)
    _shown(page)
    save_screenshot(page, f"badge-designer-arabic-cjk-{viewport}")

    page.get_by_label("Name", exact=True).fill("Ada \U00013000")
    expect(page.locator("#preview [role=alert]")).to_contain_text("U+13000")

    page.get_by_label("Template name").fill("Conference 2027")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("[data-template]")).to_be_visible()
    with db.session() as s:
        saved = s.scalars(select(BadgeTemplate).where(BadgeTemplate.owner_id == user.id)).one()
    assert saved.template["paper-size"] == "A3"
    assert saved.template["background-image"] is not None
