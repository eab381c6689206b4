"""Reading badge PDFs back: text and page count with pypdf, QR codes with poppler + zbar."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
