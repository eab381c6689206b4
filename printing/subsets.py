"""fpdf2's subset of a face, remembered: the same face cut to the same glyphs gives the
same bytes, so a document asking for a subset made before gets it without fontTools.

At output fpdf2 subsets every face it embeds (fontTools: ~7 ms a face even for a hundred
glyphs, most of it fixed cost) and a preview embeds three or four. fpdf2 has no option to
skip that; it calls `fontTools.subset.Subsetter(options).subset(ttfont)`, then
`ttfont.getGlyphID` and `ttfont.save`. Its module's `ftsubset` is pointed at a namespace
whose `Subsetter` remembers, for a `RememberedFont` only, the subset's bytes and glyph ids
by (face, options, glyph names). Every other font is subset by fontTools as before."""

from __future__ import annotations

import io
import threading
import types
from collections import OrderedDict

import fpdf.output
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont

KEEP = 256  # subsets remembered (each a few tens of kB)

_lock = threading.Lock()
_known: OrderedDict[tuple, tuple[bytes, dict[str, int]]] = OrderedDict()


class RememberedFont(TTFont):
    """A document's own parse of a face (`key` names the face's bytes): fpdf2 subsets it
    in place, and once `remembered` is set, reads the remembered subset instead."""

    def __init__(self, data: bytes, key: tuple) -> None:
        super().__init__(io.BytesIO(data), lazy=True, recalcTimestamp=False)
        self.key = key
        self.remembered: tuple[bytes, dict[str, int]] | None = None

    def getGlyphID(self, glyphName: str) -> int:  # noqa: N802 (fontTools' name)
        if self.remembered is not None:
            return self.remembered[1][glyphName]
        return super().getGlyphID(glyphName)

    def save(self, file, reorderTables=True) -> None:  # noqa: N803 (fontTools' name)
        if self.remembered is None:
            super().save(file, reorderTables)
        else:
            file.write(self.remembered[0])


class RememberingSubsetter(ftsubset.Subsetter):
    def subset(self, font: TTFont) -> None:
        if not isinstance(font, RememberedFont):
            super().subset(font)
            return
        key = (font.key, repr(sorted(vars(self.options).items())),
               frozenset(self.glyph_names_requested))
        with _lock:
            found = _known.get(key)
            if found is not None:
                _known.move_to_end(key)
        if found is None:
            super().subset(font)
            out = io.BytesIO()
            font.save(out)
            found = (out.getvalue(), font.getReverseGlyphMap().copy())
            with _lock:
                _known[key] = found
                while len(_known) > KEEP:
                    _known.popitem(last=False)
        font.remembered = found


def install() -> None:
    """Point fpdf2's subsetting at RememberingSubsetter (idempotent)."""
    if not isinstance(getattr(fpdf.output, "ftsubset", None), types.SimpleNamespace):
        fpdf.output.ftsubset = types.SimpleNamespace(Options=ftsubset.Options,
                                                     Subsetter=RememberingSubsetter)
