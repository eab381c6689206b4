"""Backgrounds per ticket type, logos and folded cards, read back from the raster."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader

from printing.images import ImageFile
from printing.preview import rasterise
from printing.render import render_badges, render_one
from printing.template import clean_template


def _solid(tmp_path, name: str, colour) -> ImageFile:
    path = tmp_path / f"{name}.png"
    Image.new("RGB", (600, 450), colour).save(path)
    return ImageFile(str(path))


def _pixel(pdf: bytes, x: int, y: int, dpi: int = 36):
    return Image.open(io.BytesIO(rasterise(pdf, dpi))).convert("RGB").getpixel((x, y))


def test_each_ticket_type_gets_its_own_background(tmp_path):
    images = {1: _solid(tmp_path, "red", (220, 0, 0)), 2: _solid(tmp_path, "blue", (0, 0, 220))}
    tpl = clean_template({"badge-size": "4x3in", "background": "plain", "qr": False,
                          "background-image": 1, "background-images": {"Speaker": 2}})
    assert _pixel(render_one({"name": "A", "ticket": "Speaker"}, tpl, images=images),
                  5, 5) == (0, 0, 220)
    assert _pixel(render_one({"name": "A", "ticket": "Attendee"}, tpl, images=images),
                  5, 5) == (220, 0, 0)


def test_logo_image_and_logo_text_are_drawn(tmp_path):
    logo = {3: _solid(tmp_path, "logo", (0, 200, 0))}
    tpl = clean_template({"badge-size": "4x3in", "qr": False, "logo": {"image": 3}})
    pdf = render_one({"name": "Ada"}, tpl, images=logo)
    img = Image.open(io.BytesIO(rasterise(pdf, 72))).convert("RGB")
    assert any(img.getpixel((x, y)) == (0, 200, 0)
               for x in range(img.size[0] // 2, img.size[0]) for y in range(0, 14))
    text = clean_template({"badge-size": "4x3in", "logo": {"text": "PyCon 2027"}})
    words = PdfReader(io.BytesIO(render_one({"name": "Ada"}, text))).pages[0].extract_text()
    assert "PyCon 2027" in words


def test_a_folded_badge_is_printed_twice_the_back_upside_down(tmp_path):
    tpl = clean_template({"badge-size": "4x3in", "paper-size": "A4", "fold": True,
                          "background": "band", "accent-colour": "#0000ff", "qr": False})
    render_badges([{"name": "Ada"}], tpl, tmp_path / "f.pdf")
    page = Image.open(io.BytesIO(rasterise((tmp_path / "f.pdf").read_bytes(), 72)))
    page = page.convert("RGB")
    mm = 72 / 25.4
    x = int((8 + 50) * mm)  # inside the first badge (sheet turned: 2 across, margin 8 mm)
    top_band, bottom_band = int((8 + 3) * mm), int((8 + 2 * 76.2 - 3) * mm)
    assert page.getpixel((x, top_band)) == (0, 0, 255)     # the front's band on top
    assert page.getpixel((x, bottom_band)) == (0, 0, 255)  # the back's, turned, at its foot
    assert page.getpixel((x, int((8 + 76.2 + 3) * mm))) != (0, 0, 255)
