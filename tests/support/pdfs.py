"""Reading badge and ticket PDFs back: text and page count with pypdf, QR codes with
poppler + zbar, embedded fonts, ink on a raster."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader


def pdf_pages_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def has_qr_tools() -> bool:
    return bool(shutil.which("pdftoppm") and shutil.which("zbarimg"))


def qr_codes(path: Path, tmp: Path, page: int = 1) -> list[str]:
    """The QR payloads on one page, rendered at 150 dpi and scanned by zbarimg."""
    prefix = tmp / f"page{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "150", "-png",
                    str(path), str(prefix)], check=True, capture_output=True, timeout=60)
    png = next(tmp.glob(f"page{page}*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                         text=True, timeout=60)
    return sorted(line for line in out.stdout.splitlines() if line)


def embedded_fonts(pdf: bytes, page: int = 0) -> set[str]:
    """The base names (subset tag dropped) of the fonts a page uses."""
    resources = PdfReader(io.BytesIO(pdf)).pages[page]["/Resources"]["/Font"]
    return {str(f.get_object()["/BaseFont"]).split("+", 1)[-1] for f in resources.values()}


def ink(png: bytes) -> int:
    """How many pixels of the image are dark."""
    img = Image.open(io.BytesIO(png)).convert("L")
    return sum(1 for v in img.get_flattened_data() if v < 128)
