"""A badge preview is the badge's PDF rasterised (pdfium): never a second drawing of the
layout, so what the designer shows is what prints."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pypdfium2 as pdfium

from printing.images import ImageFile
from printing.render import render_one

PREVIEW_DPI = 110


def rasterise(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    """The first page of `pdf` as PNG bytes at `dpi`."""
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[0].render(scale=dpi / 72)
        out = io.BytesIO()
        bitmap.to_pil().save(out, "PNG", compress_level=1)
        return out.getvalue()
    finally:
        doc.close()


def render_png(row: Mapping[str, str], template: Mapping[str, Any], *,
               images: Mapping[int, ImageFile] | None = None, dpi: int = PREVIEW_DPI) -> bytes:
    return rasterise(render_one(row, template, images=images), dpi)
