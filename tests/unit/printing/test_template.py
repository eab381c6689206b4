"""What a template may say: bad options are named; colours and QR codes land on paper."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image

from printing.errors import TemplateError
from printing.preview import rasterise
from printing.render import render_one
from printing.template import clean_template

LINE = {"field": "name", "font": "sans", "size-pt": 12}


@pytest.mark.parametrize(("raw", "member", "code"), [
    ({"lines": [LINE] * 7}, "lines", "too_many_lines"),
    ({"badge-size": {"width-mm": 40, "height-mm": 80}}, "badge-size/width-mm",
     "badge_size_out_of_range"),
    ({"lines": [{**LINE, "font": "comic"}]}, "lines/0/font", "invalid_template"),
    ({"badge-size": "a6", "lines": [{**LINE, "size-pt": 96}] * 6}, "lines",
     "badge_too_small"),
    ({"badge-size": "4x3in", "paper-size": "A0"}, "paper-size", "invalid_template"),
    ({"qr": {"position": "middle"}}, "qr/position", "invalid_template"),
    ({"lines": [{"field": "text"}]}, "lines/0/text", "invalid_template"),
])
def test_bad_templates_name_the_member(raw, member, code):
    with pytest.raises(TemplateError) as err:
        clean_template(raw)
    assert (err.value.member, err.value.code) == (member, code)


def test_six_lines_with_every_option_are_accepted():
    lines = [{"field": f, "font": font, "size-pt": size, "colour": "#AA0000", "align": a,
              "bold": True} for f, font, size, a in [
                  ("first-name", "display", 20, "center"), ("last-name", "serif", 14, "left"),
                  ("organisation", "mono", 10, "right"), ("ticket", "sans", "fit", "left"),
                  ("line-3", "sans", 8, "left"), ("line-2", "sans", 8, "left")]]
    tpl = clean_template({"badge-size": "4.5x4in", "lines": lines})
    assert [ln["colour"] for ln in tpl["lines"]] == ["#aa0000"] * 6


def test_background_colour_fills_the_badge_on_the_raster():
    tpl = clean_template({"badge-size": "4x3in", "background": "band",
                          "background-colour": "#ff8800", "accent-colour": "#0000ff",
                          "qr": False})
    img = Image.open(io.BytesIO(rasterise(render_one({"name": "A"}, tpl), dpi=72)))
    img = img.convert("RGB")
    w, h = img.size
    assert img.getpixel((w - 5, h - 5)) == (255, 136, 0)   # background, bottom right
    assert img.getpixel((w // 2, 3)) == (0, 0, 255)        # the accent band on top


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
@pytest.mark.parametrize("position", ["top-left", "bottom-right"])
def test_qr_code_decodes_with_zbar(tmp_path, position):
    tpl = clean_template({"badge-size": "4x3in", "qr": {"position": position,
                                                        "size-mm": 30}})
    png = tmp_path / "b.png"
    png.write_bytes(rasterise(render_one({"name": "Ada", "secret": "ck-42-secret"}, tpl),
                              dpi=150))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.split() == ["ck-42-secret"]
