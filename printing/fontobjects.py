"""A cut face's PDF objects built once a process, not once a document.

A document that reads a face cut to a few 128-character pages (printing/typefaces.py)
picks every glyph of it, in one order: every such document embeds the same font objects
(the Type0 font, its CIDFont with the widths, the ToUnicode CMap, the CIDToGIDMap, the
descriptor and the font file), only under other object numbers. fpdf2 rebuilds them at
each output, glyph by glyph (a 128 kB CIDToGIDMap joined from a list of 131,072
characters, the widths and the CMap from every glyph): 5 ms of a ticket PDF's 14.

Here fpdf2's `OutputProducer._add_fonts` runs as before for every other font, and once
for a cut face, whose objects are then kept; the next document gets copies of them,
linked to each other, numbered in the same order. The bytes are the same as fpdf2's own
(tests/unit/printing/test_font_objects.py compares them), so fpdf2<2.9 is pinned, and the
private this relies on is checked by tests/unit/test_private_library_uses.py."""

from __future__ import annotations

import copy
import threading

import fpdf.output
from fpdf.fonts import TTFFont
from fpdf.syntax import PDFArray

_ORIGINAL = fpdf.output.OutputProducer._add_fonts  # noqa: SLF001
_lock = threading.Lock()
_kept: dict[tuple, tuple[list, list[str | None], int]] = {}
KEEP = 512  # faces x styles x page sets: a handful of Latin ones, and CJK pages (~400)


def cut_key(font: object) -> tuple | None:
    """What names a cut face's objects, or None when its objects must be built afresh:
    a face not cut (its parse's `fixed_subset` not set by printing/typefaces.py), or one
    whose subset grew past the glyphs picked up front, or one missing glyphs (fpdf2
    warns)."""
    fixed = getattr(getattr(font, "ttfont", None), "fixed_subset", None)
    if fixed is None or not isinstance(font, TTFFont) or font.color_font:
        return None
    if font.subset._next != fixed[-1] or font.missing_glyphs:  # noqa: SLF001
        return None
    return (*fixed, font.name, font.desc.missing_width)


def _slots(obj: object) -> list[str]:
    return [s for cls in type(obj).__mro__ for s in getattr(cls, "__slots__", ())
            if s != "__dict__" and hasattr(obj, s)]


def _linked_copies(objs: list) -> list:
    """Shallow copies of `objs`, each reference from one to another pointing at the
    other's copy (streams share their bytes: nothing mutates them but encryption, which
    reassigns, and a document that encrypts never gets here)."""
    new = [copy.copy(o) for o in objs]
    swap = {id(o): n for o, n in zip(objs, new, strict=True)}
    for n in new:
        names = list(getattr(n, "__dict__", {})) + _slots(n)
        for name in names:
            value = getattr(n, name)
            if id(value) in swap:
                setattr(n, name, swap[id(value)])
            elif isinstance(value, PDFArray) and any(id(v) in swap for v in value):
                setattr(n, name, PDFArray(swap.get(id(v), v) for v in value))
    return new


class _OneFont:
    """The document as `_add_fonts` reads it, with `font` as its only font."""

    def __init__(self, pdf, font) -> None:
        self._pdf, self.fonts = pdf, {font.fontkey: font}

    def __getattr__(self, name: str):
        return getattr(self._pdf, name)


def _one_font(producer, font, args) -> dict:
    """fpdf2's own `_add_fonts`, for `font` alone."""
    pdf = producer.fpdf
    producer.fpdf = _OneFont(pdf, font)
    try:
        return _ORIGINAL(producer, *args)
    finally:
        producer.fpdf = pdf


def _add_fonts(self, *args):
    """`OutputProducer._add_fonts`, with a cut face's objects copied from the first
    document that built them."""
    plain = self.fpdf._security_handler is None and self.fpdf._compliance is None  # noqa: SLF001
    if not plain:
        return _ORIGINAL(self, *args)
    out: dict = {}
    for font in sorted(self.fpdf.fonts.values(), key=lambda f: f.i):
        key = cut_key(font)
        key = key and (*key, self.fpdf.compress)
        with _lock:
            kept = _kept.get(key) if key else None
        if kept is None:
            start = len(self.pdf_objs)
            built = _one_font(self, font, args)
            out.update(built)
            if key is not None and len(_kept) < KEEP:
                objs = self.pdf_objs[start:]
                labels = [self.trace_labels_per_obj_id.get(o.id) for o in objs]
                index = next(i for i, o in enumerate(objs) if o is built[font.i])
                with _lock:
                    _kept[key] = (_linked_copies(objs), labels, index)
            continue
        objs, labels, index = kept
        for obj, label in zip(copies := _linked_copies(objs), labels, strict=True):
            self._add_pdf_obj(obj, label)
        out[font.i] = copies[index]
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
    return out


def install() -> None:
    """Point fpdf2's output at `_add_fonts` (idempotent)."""
    fpdf.output.OutputProducer._add_fonts = _add_fonts  # noqa: SLF001

