"""Faces parsed once a process and shared by documents (printing/typefaces.py)."""

from __future__ import annotations

from fpdf import FPDF

from printing.fonts import FACES
from printing.typefaces import add_face, pages_of


def _document(pages):
    pdf = FPDF()
    add_face(pdf, "sans", "", FACES["sans"][0], pages)
    pdf.add_page()
    pdf.set_font("sans", size=12)
    pdf.cell(text="Zoë")
    return pdf


def test_writing_one_document_changes_nothing_of_anothers_fonts():
    for pages in (None, pages_of("Zoë")):
        first, second = _document(pages), _document(pages)
        before = vars(second.fonts["sans"].desc).copy()
        first.output()
        assert vars(second.fonts["sans"].desc) == before
        assert second.fonts["sans"].subset is not first.fonts["sans"].subset
        assert second.fonts["sans"].ttfont is not first.fonts["sans"].ttfont


def test_only_latin_to_hebrew_and_punctuation_are_cut_and_space_is_always_in():
    assert pages_of("Ada") == frozenset({0})
    assert pages_of("Zoë – “A”") == frozenset({0, 1, 0x2000 // 0x80})
    assert pages_of("Пётр") == frozenset({0, 0x400 // 0x80})
    assert pages_of("李") is None
    assert pages_of("Ada \U0001F600") is None
