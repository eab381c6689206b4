"""A cut face's PDF objects built once a process (printing/fontobjects.py): a document
that gets them from the first one is, byte for byte, the document fpdf2 writes itself."""

from __future__ import annotations

import re
from dataclasses import replace

import fpdf.output
import pytest

from printing import fontobjects
from printing.ticket import TicketFace, render_tickets

FACE = TicketFace("PyCon", "Mon 1 Mar 2027, 09:00 – 18:00 (Europe/Berlin)", "Hall A",
                  "Full conference", "25.00 EUR", "", "AbCdEfGhIjKlMnOpQrStUv",
                  "AbCdEfGhIjKlMnOpQrStUv-42")
ORDERS = [["Ada Lovelace"], ["Grace Hopper", "Alan Turing", "Edsger Dijkstra"],
          ["Αλέξανδρος Παπαδόπουλος", "Наталья Иванова"], ["Zoë Ångström"],
          ["Ada Lovelace"]]
STAMPS = re.compile(rb"/CreationDate \([^)]*\)|/ID \[[^]]*\]")


def _pdf(names: list[str]) -> bytes:
    """The tickets, without the time and file id fpdf2 stamps on every document."""
    out = render_tickets([replace(FACE, attendee_name=n, code=f"{FACE.identifier}-{i}")
                          for i, n in enumerate(names)])
    return STAMPS.sub(b"", out)


def test_documents_given_kept_font_objects_are_fpdf2s_own_bytes(monkeypatch):
    monkeypatch.setattr(fontobjects, "_kept", {})
    fast = [_pdf(names) for names in ORDERS]  # the first of a face builds, the rest copy
    assert fontobjects._kept  # noqa: SLF001
    with pytest.MonkeyPatch.context() as own:
        own.setattr(fontobjects, "install", lambda: None)
        own.setattr(fpdf.output.OutputProducer, "_add_fonts", fontobjects._ORIGINAL)  # noqa: SLF001
        slow = [_pdf(names) for names in ORDERS]
    assert fast == slow


def test_a_cut_face_is_built_once_then_copied(monkeypatch):
    monkeypatch.setattr(fontobjects, "_kept", {})
    built = []

    def counting(producer, *args):
        built.extend(producer.fpdf.fonts)
        return ORIGINAL(producer, *args)

    ORIGINAL = fontobjects._ORIGINAL  # noqa: SLF001, N806
    monkeypatch.setattr(fontobjects, "_ORIGINAL", counting)
    _pdf(["Ada Lovelace"])
    first = list(built)
    assert first  # the ticket's faces, built by fpdf2 once
    _pdf(["Grace Hopper", "Alan Turing"])
    assert built == first  # and not again


def test_a_face_not_cut_is_built_by_fpdf2_each_time_and_a_cjk_page_once(monkeypatch):
    """A CJK name: the Latin faces are not cut (their subsets differ by name) and are
    built each time; the CJK fallback is cut per 128-character page (printing/fonts.py),
    and a page met before is not built again."""
    monkeypatch.setattr(fontobjects, "_kept", {})
    built = []
    ORIGINAL = fontobjects._ORIGINAL  # noqa: SLF001, N806
    monkeypatch.setattr(fontobjects, "_ORIGINAL",
                        lambda p, *a: built.extend(p.fpdf.fonts) or ORIGINAL(p, *a))

    def pages(name: str) -> set[str]:
        return {f"fb-cjk@{ord(ch) // 128}B" for ch in name if not ch.isspace()}

    _pdf(["山田 太郎"])
    first = list(built)
    uncut = [key for key in first if "@" not in key]
    assert uncut and {key for key in first if "@" in key} == pages("山田太郎")
    _pdf(["山田 花子"])
    second = built[len(first):]
    assert [key for key in second if "@" not in key] == uncut  # built again
    assert {key for key in second if "@" in key} == pages("花子") - pages("山田太郎")


def test_the_fpdf2_internals_the_kept_objects_rely_on_are_there():
    """An fpdf2 upgrade that reshapes what printing/fontobjects.py replays fails here by
    name (the lock bounds fpdf2<2.9)."""
    import inspect

    from fpdf import FPDF
    from fpdf.fonts import SubsetMap

    source = inspect.getsource(fontobjects._ORIGINAL)  # noqa: SLF001
    assert list(inspect.signature(fontobjects._ORIGINAL).parameters) == [  # noqa: SLF001
        "self", "image_objects_per_index", "gfxstate_objs_per_name", "pattern_objs_per_name"]
    for step in ("for font in sorted(self.fpdf.fonts.values(), key=lambda font: font.i)",
                 'self._add_pdf_obj(composite_font_obj, "fonts")',
                 "font_objs_per_index[font.i] = composite_font_obj",
                 "composite_font_obj.descendant_fonts = PDFArray([cid_font_obj])",
                 "font_descriptor_obj = font.desc", "font.subset.pick.cache_clear()",
                 "font.subset.get_glyph.cache_clear()", "font.close()",
                 "compliance = self.fpdf._compliance"):
        assert step in source, step
    producer = inspect.getsource(fpdf.output.OutputProducer._add_pdf_obj)  # noqa: SLF001
    assert "self.pdf_objs.append(pdf_obj)" in producer
    assert "self.trace_labels_per_obj_id[self.obj_id] = trace_label" in producer
    pdf = FPDF()
    assert pdf._security_handler is None and pdf._compliance is None  # noqa: SLF001
    assert isinstance(FPDF.fonts, property)
    assert "_next" in inspect.getsource(SubsetMap.__init__)
