"""Every script prints with real glyphs: the expected font is embedded and every letter
leaves ink on the raster. A character no installed font covers is refused before
rendering."""

from __future__ import annotations

import unicodedata

import pytest

from printing.fonts import uncovered
from printing.preview import rasterise
from printing.render import render_one
from printing.template import clean_template, first_uncovered
from tests.support.pdfs import embedded_fonts, ink

NAMES = [
    ("latin", "Zoë Ångström", "NotoSans"),
    ("greek", "Αλέξανδρος Παπαδόπουλος", "NotoSans"),
    ("cyrillic", "Наталья Иванова", "NotoSans"),
    ("arabic", "محمد عبد الله", "NotoSansArabic"),
    ("devanagari", "देवनागरी नमस्ते", "NotoSansDevanagari"),
    ("cjk", "山田 太郎", "DroidSansFallback"),
]
TEMPLATE = clean_template({"badge-size": "4x3in", "background": "plain", "qr": False,
                           "lines": [{"field": "name", "size-pt": 20}]})


@pytest.mark.parametrize(("script", "name", "font"), NAMES, ids=[n[0] for n in NAMES])
def test_every_script_renders_with_covering_glyphs(script, name, font):
    """fpdf2 silently drops a glyph its fonts lack, so each letter alone must leave ink
    (an uncovered one leaves none: see the last test). Combining marks are too small to
    see alone at this resolution; their base letters carry them."""
    assert uncovered(name) == []
    fonts = embedded_fonts(render_one({"name": name}, TEMPLATE))
    assert font in fonts
    for letter in {ch for ch in name if unicodedata.category(ch).startswith("L")}:
        assert ink(rasterise(render_one({"name": letter}, TEMPLATE), dpi=72)) > 0, letter


def test_a_character_no_font_covers_is_named():
    hieroglyph = "\U00013000"
    assert uncovered(f"Ada {hieroglyph}") == [hieroglyph]
    assert first_uncovered({"name": f"Ada {hieroglyph}"}, TEMPLATE) == ("name", hieroglyph)
    # What the per-letter check above would see if it were let through: no ink at all.
    assert ink(rasterise(render_one({"name": hieroglyph}, TEMPLATE), dpi=72)) == 0
