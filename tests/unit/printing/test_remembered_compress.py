"""The remembered compression keeps what every document shares (a font's streams) and
a bounded weight of the rest: one-off streams such as photos pass through."""

from __future__ import annotations

import os
import zlib

from printing import subsets


def test_one_off_streams_stay_within_the_cap_and_the_shared_one_stays():
    font = b"glyphs " * 20_000  # 140 kB, the same in every document
    for _ in range(40):  # forty documents, each with a 1 MB photo of its own
        assert subsets.remembered_compress(font) == zlib.compress(font)
        photo = os.urandom(1 << 20)
        assert subsets.remembered_compress(photo, 6) == zlib.compress(photo, 6)
    kept = subsets._compressed
    assert subsets._compressed_size == sum(len(v) for v in kept.values())
    assert subsets._compressed_size <= subsets._COMPRESSED_BYTES
    assert len(kept) <= subsets._COMPRESSED_KEEP
    assert all(len(key[0]) == 32 for key in kept)  # a digest, never the input itself
    hits = len(kept)
    subsets.remembered_compress(font)
    assert len(kept) == hits  # the font was still there: no new entry
