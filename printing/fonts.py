"""Fonts from Debian packages (scripts/system-deps.sh): four faces a line can choose and
one fallback chain behind them all, so Greek, Cyrillic, Arabic, Devanagari and CJK names
get real glyphs. A character that no font of the chain covers is refused before
rendering (`uncovered`), never drawn as a box.

Fonts are registered in a document only when a text needs them: the CJK fallback alone
is 4 MB, and most badges are Latin."""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

from printing.typefaces import PAGE, Pages, add_face, pages_of

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
# Fallbacks too large to subset for each document (DroidSansFallbackFull: 49,000 glyphs,
# ~370 ms a subset): a document that is not shaped reads them cut to each 128-character
# page its text uses, a face of its own per page, every glyph of it embedded, so each
# page's font objects are made once a process (printing/typefaces.py, fontobjects.py).
PAGED = frozenset({"fb-cjk"})
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
def _shaped(ch: str) -> bool:
    return ord(ch) > 0x58F and any(s in unicodedata.name(ch, "") for s in _SHAPED)


def needs_shaping(text: str) -> bool:
    # Cached by character, not by text: an entry a name would grow without end.
    return any(_shaped(ch) for ch in text)


class FontBook:
    """The fonts registered in one document; `use` sets a face for a text. `chars`, when
    given, is every character the document will hold (one badge): faces are then read
    cut down to its pages where that is exact (see printing/typefaces.py)."""

    def __init__(self, pdf: FPDF, chars: str | None = None) -> None:
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting chatter
        self.pdf, self.added, self.chain = pdf, set(), ()
        shaped = chars is None or needs_shaping(chars)
        self.pages: Pages = None if shaped else pages_of(chars)
        self.paged = not shaped  # glyph ids from a cut face: never for HarfBuzz

    def _add(self, family: str, paths: tuple[str, str], bold: bool,
             page: int | None = None) -> str:
        # One style at a time: a face costs its parse (once a process) and its subset.
        name = family if page is None else f"{family}@{page}"
        if (name, bold) not in self.added:
            add_face(self.pdf, name, "B" if bold else "", paths[bold],
                     self.pages if page is None else frozenset({page}))
            self.added.add((name, bold))
        return name

    def use(self, face: str, bold: bool, size: float, text: str) -> None:
        if self.pages is not None and not (pages_of(text) or {-1}) <= self.pages:
            # A cut-down face would draw these as empty boxes: a caller's bug, not input.
            raise ValueError(f"{text!r} was not among the document's announced characters")
        self._add(face, FACES[face], bold)
        left = missing_in(FACES[face][0], text)
        chain: list[str] = []
        for family, paths in FALLBACKS.items():
            if not left:
                break
            cmap = _cmap(paths[0])
            covered = {ch for ch in left if ord(ch) in cmap}
            if not covered:
                continue
            if family in PAGED and self.paged:
                for page in sorted({ord(ch) // PAGE for ch in covered}):
                    chain.append(self._add(family, paths, bold, page))
            else:
                chain.append(self._add(family, paths, bold))
            left -= covered
        if tuple(chain) != self.chain:
            self.pdf.set_fallback_fonts(chain, exact_match=False)
            self.chain = tuple(chain)
        self.pdf.set_font(face, "B" if bold else "", size)
        self.pdf.set_text_shaping(needs_shaping(text))


def available() -> dict[str, bool]:
    """Which faces and fallbacks are installed (for health and tests)."""
    return {name: Path(paths[0]).is_file() for name, paths in {**FACES, **FALLBACKS}.items()}
