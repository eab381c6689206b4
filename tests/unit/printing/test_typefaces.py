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


def test_the_fpdf2_internals_the_shared_faces_rely_on_are_there():
    """printing/typefaces.py and printing/subsets.py build TTFFont objects themselves and
    serve fpdf2's subsetting; an fpdf2 upgrade that reshapes these fails here by name."""
    import inspect
    from importlib.metadata import version

    from fontTools import subset as ftsubset
    from fpdf.fonts import SubsetMap, TTFFont

    from tests.support.locks import locked_versions

    assert version("fpdf2") == locked_versions()["fpdf2"]
    assert version("fonttools") == locked_versions()["fonttools"]
    assert list(inspect.signature(TTFFont).parameters)[:4] == [
        "fpdf", "font_file_path", "fontkey", "style"]
    assert list(inspect.signature(SubsetMap).parameters) == ["font"]
    assert callable(FPDF._set_min_pdf_version)  # noqa: SLF001
    from printing.fontobjects import _ORIGINAL  # fpdf2's own, before ours replaces it

    source = inspect.getsource(_ORIGINAL)
    for step in ("ftsubset.Options(", "ftsubset.Subsetter(options)",
                 "subsetter.populate(glyphs=glyph_names)", "subsetter.subset(font.ttfont)",
                 "font.ttfont.getGlyphID(glyph.glyph_name)", "font.ttfont.save(output)",
                 "font_descriptor_obj = font.desc"):
        assert step in source, step
    assert "glyph_names_requested" in inspect.getsource(ftsubset.Subsetter.populate)
    for name in ("i", "fontkey", "missing_glyphs", "biggest_size_pt", "desc", "ttfont",
                 "subset", "cmap", "ttffile", "is_cff", "is_cid_keyed"):
        assert name in TTFFont.__slots__, name
