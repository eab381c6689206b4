"""Image files made in tests: plain, with EXIF, and a decompression bomb."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png(w: int = 40, h: int = 30, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(w: int = 40, h: int = 30) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."      # Make
    exif[0x9286] = "secret comment"   # UserComment
    out = io.BytesIO()
    Image.new("RGB", (w, h), (10, 200, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bomb(side: int = 60_000) -> bytes:
    """A few hundred bytes whose header claims side × side pixels: decoding it would take
    gigabytes. The IDAT holds a little of the promised data, zlib-compressed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * (side * 3 + 1) * 4, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))
