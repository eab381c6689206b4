"""fpdf2's subset of a face, remembered: the same face cut to the same glyphs gives the
same bytes, so a document asking for a subset made before gets it without fontTools.

At output fpdf2 subsets every face it embeds (fontTools: ~7 ms a face even for a hundred
glyphs, most of it fixed cost) and a preview embeds three or four. fpdf2 has no option to
skip that; it calls `fontTools.subset.Subsetter(options).subset(ttfont)`, then
`ttfont.getGlyphID` and `ttfont.save`. Its module's `ftsubset` is pointed at a namespace
whose `Subsetter` remembers, for a `RememberedFont` only, the subset's bytes and glyph ids
by (face, options, glyph names). Every other font is subset by fontTools as before.
Large compressed streams are remembered too (`remembered_compress`)."""

from __future__ import annotations

import hashlib
import io
import threading
import types
import zlib
from collections import OrderedDict

import fpdf.output
import fpdf.syntax
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
        # set when every document picks the same glyphs (printing/fontobjects.py)
        self.fixed_subset: tuple | None = None

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


_COMPRESSED_MIN = 8192  # smaller streams (a page's text) are compressed each time
_COMPRESSED_KEEP = 64
_COMPRESSED_BYTES = 16 << 20  # what the kept outputs may weigh together
# sha256 of the input -> (level, output): keyed by a digest, not by the input, which
# (a badge's photo, decoded) can be megabytes kept for nothing
_compressed: OrderedDict[tuple[bytes, int], bytes] = OrderedDict()
_compressed_size = 0


def remembered_compress(data: bytes, level: int = -1) -> bytes:
    """zlib.compress, remembered for large inputs: a remembered subset's font stream and
    its CIDToGIDMap (128 kB) are the same bytes in every document that embeds them, and
    compressing them again was a third of a ticket PDF's time. One-off streams (photos)
    pass through the same few entries: the fonts, used by every document, stay."""
    global _compressed_size
    if len(data) < _COMPRESSED_MIN:
        return zlib.compress(data, level)
    key = (hashlib.sha256(data).digest(), level)
    with _lock:
        found = _compressed.get(key)
        if found is not None:
            _compressed.move_to_end(key)
            return found
    found = zlib.compress(data, level)
    with _lock:
        if key not in _compressed:
            _compressed[key] = found
            _compressed_size += len(found)
        while len(_compressed) > _COMPRESSED_KEEP or _compressed_size > _COMPRESSED_BYTES:
            _compressed_size -= len(_compressed.popitem(last=False)[1])
    return found
    found = zlib.compress(data, level)
    with _lock:
        _compressed[key] = found
        while len(_compressed) > _COMPRESSED_KEEP:
            _compressed.popitem(last=False)
    return found


def install() -> None:
    """Point fpdf2's subsetting at RememberingSubsetter, and its stream compression at
    remembered_compress (idempotent)."""
    if not isinstance(getattr(fpdf.output, "ftsubset", None), types.SimpleNamespace):
        fpdf.output.ftsubset = types.SimpleNamespace(Options=ftsubset.Options,
                                                     Subsetter=RememberingSubsetter)
    if not isinstance(getattr(fpdf.syntax, "zlib", None), types.SimpleNamespace):
        fpdf.syntax.zlib = types.SimpleNamespace(compress=remembered_compress,
                                                 decompress=zlib.decompress)
