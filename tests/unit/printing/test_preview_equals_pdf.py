"""The preview reads its fonts parsed once a process and cut down to the badge's pages
(printing/typefaces.py): it must still be, pixel for pixel, the page that fpdf2's own
`add_font` and the badges file draw."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw

import printing.fonts
from printing.images import ImageFile
from printing.layout import texts_of
from printing.preview import rasterise, render_png
from printing.render import render_badges
from printing.template import DEFAULTS, clean_template
from printing.typefaces import pages_of

DESIGN = {"paper-size": "A6", "badge-size": "a6", "margin-mm": 0, "background-image": 1,
          "qr": {"position": "bottom-right", "size-mm": 24},
          "logo": {"text": "PyCon 2027"}, "background": "band",
          "lines": [{"field": "first-name", "font": "display", "size-pt": "fit", "bold": True},
                    {"field": "last-name", "font": "sans", "size-pt": 16},
                    {"field": "organisation", "font": "serif", "size-pt": 11},
                    {"field": "ticket", "font": "mono", "size-pt": 9, "colour": "#ffffff"}]}
# (row, whether its faces are read cut down to its pages)
ROWS = [
    ({"name": "Zoë Ångström-Łukasiewicz", "organisation": "Œuvre & Ærø", "ticket": "VIP",
      "secret": "checkin-1"}, True),
    ({"name": "Αλέξανδρος Пётр", "organisation": "Ünïcode – “quoted” €", "ticket": "Full"},
     True),
    ({"name": "Ada 李小龍", "organisation": "CJK falls back", "ticket": "Speaker"}, False),
    ({"name": "Ravi रवि", "organisation": "شركة", "ticket": "shaped"}, False),
]


@pytest.fixture
def images(tmp_path):
    img = Image.new("RGB", (1200, 900), (30, 90, 160))
    ImageDraw.Draw(img).ellipse((150, 100, 1050, 800), fill=(240, 200, 60))
    img.save(tmp_path / "background.jpg", quality=90)
    return {1: ImageFile(str(tmp_path / "background.jpg"), 0.5, 0.4)}


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _differs(a: Image.Image, b: Image.Image) -> bool:
    return a.size != b.size or ImageChops.difference(a, b).getbbox() is not None


def _fpdf2_own_add_font(pdf, family, style, path, pages=None):
    pdf.add_font(family, style, path)


def _reference(row, template, images, monkeypatch) -> Image.Image:
    """The badge as fpdf2 draws it with its own `add_font`: a parse and a subset per PDF."""
    with monkeypatch.context() as patch:
        patch.setattr(printing.fonts, "add_face", _fpdf2_own_add_font)
        return _image(render_png(row, template, images=images))


@pytest.mark.parametrize(("row", "cut"), ROWS, ids=[row["name"] for row, _ in ROWS])
def test_the_preview_is_the_page_fpdf2s_own_fonts_and_the_badges_file_draw(
        row, cut, images, tmp_path, monkeypatch):
    template = clean_template(DESIGN)
    chars = "".join(texts_of({**DEFAULTS, **template}, row))
    assert (pages_of(chars) is not None) is cut
    first = _image(render_png(row, template, images=images))
    again = _image(render_png(row, template, images=images))  # subsets remembered
    render_badges([row], template, tmp_path / "file.pdf", images=images)
    page = _image(rasterise((tmp_path / "file.pdf").read_bytes()))
    reference = _reference(row, template, images, monkeypatch)
    assert not _differs(first, reference)
    assert not _differs(again, reference)
    assert not _differs(first, page)


def test_a_remembered_subset_serves_only_the_glyphs_it_was_made_for(images, monkeypatch):
    template = clean_template(DESIGN)
    a = _image(render_png({"name": "Ada Lovelace"}, template, images=images))
    b = _image(render_png({"name": "Ada Lovelacf"}, template, images=images))
    assert _differs(a, b)  # the comparison sees one letter
    assert not _differs(b, _reference({"name": "Ada Lovelacf"}, template, images,
                                      monkeypatch))


def test_previews_drawn_at_once_in_threads_are_each_their_own(images):
    from concurrent.futures import ThreadPoolExecutor

    template = clean_template(DESIGN)
    rows = [{"name": name, "organisation": org} for name in ("Ada Lovelace", "Zoë 李小龍")
            for org in ("ACME", "Ørsted", "Initech")]
    alone = [_image(render_png(row, template, images=images)) for row in rows]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda row: _image(render_png(row, template, images=images)),
                                 rows * 2))
    assert [_differs(a, b) for a, b in zip(alone * 2, together, strict=True)] == [False] * 12
