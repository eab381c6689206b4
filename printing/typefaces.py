"""Font files parsed once per process and shared by every document, not once per PDF.

fpdf2's `add_font` parses a face for each document (8-12 ms) and its output subsets the
face from a fresh parse (another 10-15 ms), 40 % of it reading the layout tables that it
then drops. A preview is one badge per document, so with four faces this was nearly all
of its time. Here:

- a face is parsed once, from a copy without the tables fpdf2 drops from every embedded
  font (`DROPPED`), so the subset it embeds is the same; each document gets a copy of
  that parse with its own subset map and its own lazy font to subset (fpdf2's own
  `TTFFont.__deepcopy__` shares the same read-only parts);
- a document whose every character is known up front, in CUT_RANGES and unshaped
  (a preview, a door print: one badge) reads a face already cut down to the 128-character
  pages its text uses and embeds all of its glyphs, so every such document asks for the
  same subset, which printing/subsets.py remembers. Outlines, hinting and advance widths
  are the font's own: the page looks the same (tests/unit/printing/test_preview_equals_pdf.py).

HarfBuzz always shapes from the original file, which keeps its layout tables; a
document that needs shaping never gets a cut-down face (its glyph ids would differ)."""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from printing import fontobjects
from printing.subsets import RememberedFont, install

# What fpdf2 drops from every font it embeds (fpdf/output.py, `_add_fonts`).
DROPPED = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
           "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")
PAGE = 0x80
# Latin, Greek, Cyrillic, Armenian, Hebrew, then punctuation, currency and letterlike
# symbols (– “ ” € ™): a few pages, so a few cut copies cover most names.
CUT_RANGES = (range(0, 0x800), range(0x2000, 0x2200))

Pages = frozenset[int] | None


def pages_of(chars: Iterable[str]) -> Pages:
    """The 128-character pages of `chars`, or None when one is outside CUT_RANGES (CJK
    names would spread over hundreds of pages: a copy per name would cost more)."""
    codes = {ord(ch) for ch in chars}
    if not all(any(code in r for r in CUT_RANGES) for code in codes):
        return None
    return frozenset(code // PAGE for code in codes | {0x20})


BLOCK = 16  # pages: a large face's page is cut from its block's cut, not from the face


def _block(pages: frozenset[int]) -> frozenset[int] | None:
    """The block of BLOCK pages holding every page of `pages`, when they are past
    CUT_RANGES (a CJK face's) and are not that whole block already."""
    blocks = {p // BLOCK for p in pages}
    if len(blocks) != 1 or min(pages) * PAGE < CUT_RANGES[-1].stop:
        return None  # (CUT_RANGES' pages are cut from the face: a handful, made once)
    block = frozenset(range(min(blocks) * BLOCK, (min(blocks) + 1) * BLOCK))
    return None if pages == block else block


@functools.lru_cache(maxsize=512)
def source(path: str, pages: Pages = None) -> bytes:
    """The font file at `path` without DROPPED tables; with `pages`, only the glyphs of
    the characters on those pages (and the glyphs they are built from). A CJK page is
    cut from its block's cut (2,048 characters), which is cut once from the face (49,000
    glyphs: ~0.5 s a cut, ~20 ms from the block)."""
    if pages is None:
        font = TTFont(path, lazy=True, recalcTimestamp=False)
        for tag in DROPPED:
            if tag in font:
                del font[tag]
    else:
        past = max(pages) * PAGE >= CUT_RANGES[-1].stop  # a large face's: read lazily
        font = TTFont(io.BytesIO(source(path, _block(pages))), recalcTimestamp=False,
                      lazy=True if past else None)
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True,
                                   glyph_names=True, hinting=True, name_IDs=["*"],
                                   name_languages=["*"], notdef_glyph=True,
                                   layout_features=[])
        options.drop_tables += list(DROPPED)
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=[c for c in font.getBestCmap() if c // PAGE in pages])
        subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


@functools.lru_cache(maxsize=64)
def _parsed(path: str, style: str, pages: Pages) -> TTFFont:
    font = TTFFont(FPDF(), io.BytesIO(source(path, pages)), f"parsed-{style}", style)
    font.ttffile = Path(path)  # what HarfBuzz reads, layout tables included
    return font


def add_face(pdf: FPDF, family: str, style: str, path: str, pages: Pages = None) -> None:
    """As `pdf.add_font(family, style, path)`, from the process's parse of the face."""
    fontkey = f"{family.lower()}{style}"
    font = copy.copy(_parsed(path, style, pages))
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    # fpdf2's output gives the descriptor its object id and font file: one per document,
    # or two documents written at once in two threads would point at each other's.
    font.desc = copy.copy(font.desc)
    # fpdf2 subsets this object in place at output: a fresh lazy parse per document,
    # whose subset is remembered by glyph set (printing/subsets.py).
    install()
    data = source(path, pages)
    if font.is_cff and font.is_cid_keyed:
        # fpdf2 embeds these from the subset's CFF table, not from `save`: never remembered.
        font.ttfont = TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False)
        pdf._set_min_pdf_version("1.6")  # noqa: SLF001 (as add_font does for these)
    else:
        font.ttfont = RememberedFont(data, key=(path, pages))
    font.subset = SubsetMap(font)
    if pages is not None:
        # Every glyph of the cut face, in one order: every document then asks for the
        # same subset, which is remembered, whatever the letters of its names. The
        # picks are the same each time: made once a process, copied after.
        key = (path, style, pages)
        picked = _PICKED.get(key)
        if picked is None:
            for code in sorted(font.cmap):
                font.subset.pick(code)
            picked = _PICKED[key] = (dict(font.subset._char_id_per_glyph),  # noqa: SLF001
                                     font.subset._next, list(font.subset._reserved))  # noqa: SLF001
        font.subset._char_id_per_glyph = dict(picked[0])  # noqa: SLF001
        font.subset._next, font.subset._reserved = picked[1], list(picked[2])  # noqa: SLF001
        if isinstance(font.ttfont, RememberedFont):
            # the same subset in every document: its PDF objects too (fontobjects.py)
            font.ttfont.fixed_subset = (*key, picked[1])
            fontobjects.install()
    pdf.fonts[fontkey] = font


# (path, style, pages) -> a cut face's SubsetMap state once every glyph is picked
_PICKED: dict[tuple[str, str, Pages], tuple[dict, int, list[int]]] = {}
