"""Fonts from Debian packages (scripts/system-deps.sh): four faces a line can choose and
one fallback chain behind them all, so Greek, Cyrillic, Arabic, Devanagari and CJK names
get real glyphs. A character that no font of the chain covers is refused before
rendering (`uncovered`), never drawn as a box.

Fonts are registered in a document only when a text needs them: the CJK fallback alone
is 4 MB, and most badges are Latin."""

from __future__ import annotations

import copy
import functools
import io
import logging
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

TRUETYPE, OPENTYPE = "/usr/share/fonts/truetype", "/usr/share/fonts/opentype"
# face → (regular, bold); each from a Debian package named in scripts/system-deps.sh.
FACES = {
    "sans": (f"{TRUETYPE}/noto/NotoSans-Regular.ttf", f"{TRUETYPE}/noto/NotoSans-Bold.ttf"),
    "serif": (f"{TRUETYPE}/noto/NotoSerif-Regular.ttf",
              f"{TRUETYPE}/noto/NotoSerif-Bold.ttf"),
    "mono": (f"{TRUETYPE}/liberation2/LiberationMono-Regular.ttf",
             f"{TRUETYPE}/liberation2/LiberationMono-Bold.ttf"),
    "display": (f"{OPENTYPE}/league-spartan/LeagueSpartan-Regular.otf",
                f"{OPENTYPE}/league-spartan/LeagueSpartan-Bold.otf"),
}
# Tried in order for a character the line's face lacks (a bold of its own where one exists).
FALLBACKS = {
    "fb-latin": (f"{TRUETYPE}/noto/NotoSans-Regular.ttf", f"{TRUETYPE}/noto/NotoSans-Bold.ttf"),
    "fb-arabic": (f"{TRUETYPE}/noto/NotoSansArabic-Regular.ttf",
                  f"{TRUETYPE}/noto/NotoSansArabic-Bold.ttf"),
    "fb-devanagari": (f"{TRUETYPE}/noto/NotoSansDevanagari-Regular.ttf",
                      f"{TRUETYPE}/noto/NotoSansDevanagari-Bold.ttf"),
    "fb-cjk": (f"{TRUETYPE}/droid/DroidSansFallbackFull.ttf",
               f"{TRUETYPE}/droid/DroidSansFallbackFull.ttf"),
    "fb-dejavu": (f"{TRUETYPE}/dejavu/DejaVuSans.ttf", f"{TRUETYPE}/dejavu/DejaVuSans-Bold.ttf"),
}
# Scripts whose letters change shape or order: these texts go through HarfBuzz.
_SHAPED = ("ARABIC", "DEVANAGARI", "HEBREW", "BENGALI", "TAMIL", "THAI")


@functools.cache
def _cmap(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _ignorable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Mn") and not ch.isalpha()


def missing_in(path: str, text: str) -> set[str]:
    cmap = _cmap(path)
    return {ch for ch in text if ord(ch) not in cmap and not _ignorable(ch)}


def uncovered(text: str, face: str = "sans") -> list[str]:
    """The characters of `text` that neither `face` nor any fallback has, in order."""
    left = missing_in(FACES[face][0], text)
    for regular, _ in FALLBACKS.values():
        if not left:
            break
        left = {ch for ch in left if ord(ch) not in _cmap(regular)}
    return [ch for ch in dict.fromkeys(text) if ch in left]


@functools.cache
def needs_shaping(text: str) -> bool:
    return any(ord(ch) > 0x58F and any(s in unicodedata.name(ch, "") for s in _SHAPED)
               for ch in text)


@functools.cache
def _parsed(path: str) -> TTFFont:
    """The font's metrics, cmap and glyph ids, parsed once per process (10-40 ms a face)
    and shared read-only by every document."""
    font = TTFFont(FPDF(), Path(path), "parsed", "")
    if font.color_font is not None:  # holds its document: not shareable (none of ours)
        raise ValueError(f"{path} is a colour font")
    _ = font.hbfont  # one HarfBuzz face for all: shaping only reads it
    return font


# Tables fpdf2 drops from every embedded subset. Subsetting a font that still has them
# decompiles GSUB and GPOS (a third of a ticket's time); HarfBuzz shapes from the file.
DROPPED_TABLES = ("GDEF", "GPOS", "GSUB", "MATH", "FFTM", "hdmx", "meta", "SVG ")


@functools.cache
def _embeddable(path: str) -> bytes:
    """The font file without DROPPED_TABLES (glyph ids and names unchanged)."""
    font = TTFont(path, recalcTimestamp=False, lazy=True)
    try:
        for tag in DROPPED_TABLES:
            if tag in font:
                del font[tag]
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    finally:
        font.close()


def attach_font(pdf: FPDF, family: str, bold: bool, path: str) -> None:
    """`pdf.add_font(family, "B" if bold else "", path)` without parsing the font again:
    a copy of the parsed font with what one document changes made anew (its number, its
    key, the glyphs it used, and its own fontTools object, which the subsetter cuts down
    when the PDF is written)."""
    style = "B" if bold else ""
    font = copy.copy(_parsed(path))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.emphasis = TextEmphasis.coerce(style)
    font.ttfont = TTFont(io.BytesIO(_embeddable(path)), recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[font.fontkey] = font


class FontBook:
    """The fonts registered in one document; `use` sets a face for a text."""

    def __init__(self, pdf: FPDF) -> None:
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting chatter
        self.pdf, self.added, self.chain = pdf, set(), ()

    def _add(self, family: str, paths: tuple[str, str], bold: bool) -> None:
        # One style at a time: a font's subset costs 10-40 ms when the PDF is written.
        key = (family, bold)
        if key not in self.added:
            attach_font(self.pdf, family, bold, paths[bold])
            self.added.add(key)

    def use(self, face: str, bold: bool, size: float, text: str) -> None:
        self._add(face, FACES[face], bold)
        left = missing_in(FACES[face][0], text)
        chain: list[str] = []
        for family, paths in FALLBACKS.items():
            if not left:
                break
            cmap = _cmap(paths[0])
            if any(ord(ch) in cmap for ch in left):
                self._add(family, paths, bold)
                chain.append(family)
                left = {ch for ch in left if ord(ch) not in cmap}
        if tuple(chain) != self.chain:
            self.pdf.set_fallback_fonts(chain, exact_match=False)
            self.chain = tuple(chain)
        self.pdf.set_font(face, "B" if bold else "", size)
        self.pdf.set_text_shaping(needs_shaping(text))


def available() -> dict[str, bool]:
    """Which faces and fallbacks are installed (for health and tests)."""
    return {name: Path(paths[0]).is_file() for name, paths in {**FACES, **FALLBACKS}.items()}
