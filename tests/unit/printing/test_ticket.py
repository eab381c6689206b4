"""The ticket page: a name in any script prints with a font that has its glyphs (the
font is embedded, and each letter alone leaves ink beyond the empty ticket's), and the
page's QR code is the door code."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace

import pytest
from pypdf import PdfReader

from printing.preview import rasterise
from printing.ticket import TicketFace, render_tickets
from tests.support.pdfs import embedded_fonts, ink

FACE = TicketFace("PyCon", "Mon 1 Mar 2027, 09:00 – 18:00 (Europe/Berlin)", "Hall A",
                  "Full conference", "25.00 EUR", "", "AbCdEfGhIjKlMnOpQrStUv",
                  "AbCdEfGhIjKlMnOpQrStUv-42")
NAMES = [
    ("greek", "Αλέξανδρος Παπαδόπουλος", "NotoSansBold"),
    ("cyrillic", "Наталья Иванова", "NotoSansBold"),
    ("arabic", "محمد عبد الله", "NotoSansArabicBold"),
    ("cjk", "山田 太郎", "DroidSansFallback"),
]


def _ink_of(name: str) -> int:
    return ink(rasterise(render_tickets([replace(FACE, attendee_name=name)]), dpi=72))


@pytest.mark.parametrize(("script", "name", "font"), NAMES, ids=[n[0] for n in NAMES])
def test_a_name_in_any_script_prints_with_a_covering_font(script, name, font):
    assert font in embedded_fonts(render_tickets([replace(FACE, attendee_name=name)]))
    empty = _ink_of("")
    for letter in {ch for ch in name if unicodedata.category(ch).startswith("L")}:
        assert _ink_of(letter) > empty, (script, letter)


def test_the_ink_check_sees_a_glyph_no_font_has():
    # what the check above would see for a box-less missing glyph: nothing more than empty
    assert _ink_of("\U00013000") == _ink_of("")


def test_each_attendee_gets_a_page_of_its_own():
    faces = [replace(FACE, attendee_name=f"Guest {i}", code=f"{FACE.identifier}-{i}")
             for i in range(3)]
    pages = PdfReader(io.BytesIO(render_tickets(faces))).pages
    assert ["Guest 0" in p.extract_text() for p in pages] == [True, False, False]
    assert ["Guest 2" in p.extract_text() for p in pages] == [False, False, True]
    with pytest.raises(ValueError):
        render_tickets([])


def _without_creation_date(pdf: bytes) -> bytes:
    import re

    return re.sub(rb"/CreationDate \(D:[^)]*\)", b"", pdf)


def test_the_per_process_font_work_changes_no_byte_of_the_pdf(monkeypatch):
    """The picks of a cut face and the compressed font streams are made once a process
    (printing/typefaces.py, printing/subsets.py): a PDF made from them is the PDF made
    from scratch."""
    from printing import subsets, typefaces

    faces = [replace(FACE, attendee_name=f"Ada Lovelace {k}", code=f"{FACE.identifier}-{k}")
             for k in range(3)]
    render_tickets(faces)  # fills what is kept
    warm = _without_creation_date(render_tickets(faces))
    monkeypatch.setattr(typefaces, "_PICKED", {})
    monkeypatch.setattr(subsets, "_COMPRESSED_MIN", 1 << 40)  # every stream compressed anew
    cold = _without_creation_date(render_tickets(faces))
    assert warm == cold
    assert typefaces._PICKED  # kept again, from scratch
