"""Render badge rows into a PDF file: a pure function of (rows, template) → file.

Each badge shows the name, line 2 (ticket type), line 3 (event name) and, when the row
has a `secret`, its QR code drawn as vector rectangles (one per run of dark modules: no
image objects, so the file stays small and the code scans crisply at any zoom). Rows are
consumed lazily and written to a temporary file renamed into place at the end, so a
crash never leaves a half file under the final name."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0),
            "Letter": (215.9, 279.4)}
GRID = {1: (1, 1), 2: (1, 2), 4: (2, 2), 6: (2, 3), 8: (2, 4), 10: (2, 5)}
MARGIN = 8.0
GAP = 4.0

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RenderResult:
    path: Path
    page_count: int
    size_bytes: int
    badge_count: int


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _font(pdf: FPDF) -> tuple[str, bool]:
    """DejaVu Sans (Unicode) when installed, else the core Helvetica (Latin-1 only)."""
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting chatter at INFO
    for folder in FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            pdf.add_font("badge", "", str(regular))
            pdf.add_font("badge", "B", str(bold))
            return "badge", True
    return "helvetica", False


def _qr_runs(secret: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR matrix size (with quiet zone) and its dark runs as (row, col, length)."""
    # Full-size QR only (zbar and most phone apps do not read Micro QR), and a fixed mask:
    # scoring all eight masks is most of the rendering time, and any mask is valid.
    qr = segno.make_qr(secret, error="m", mask=0)
    runs: list[tuple[int, int, int]] = []
    matrix = list(qr.matrix_iter(scale=1, border=0))
    for y, line in enumerate(matrix):
        x, n = 0, len(line)
        while x < n:
            if line[x]:
                start = x
                while x < n and line[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return len(matrix), runs


class _Layout:
    def __init__(self, template: Mapping[str, Any]) -> None:
        self.page_w, self.page_h = PAPER_MM[template["paper-size"]]
        self.cols, self.rows = GRID[template["badges-per-page"]]
        self.per_page = self.cols * self.rows
        self.cell_w = (self.page_w - 2 * MARGIN - (self.cols - 1) * GAP) / self.cols
        self.cell_h = (self.page_h - 2 * MARGIN - (self.rows - 1) * GAP) / self.rows
        self.background = _rgb(template["background-colour"])
        self.text = _rgb(template["text-colour"])
        self.accent = _rgb(template["accent-colour"])

    def origin(self, slot: int) -> tuple[float, float]:
        col, row = slot % self.cols, slot // self.cols
        return MARGIN + col * (self.cell_w + GAP), MARGIN + row * (self.cell_h + GAP)


def _fit(pdf: FPDF, text: str, width: float, size: float) -> None:
    """Set the largest font size ≤ `size` at which `text` fits `width`."""
    pdf.set_font_size(size)
    w = pdf.get_string_width(text)
    if w > width:
        pdf.set_font_size(max(6.0, size * width / w))


def _badge(pdf: FPDF, lay: _Layout, x: float, y: float, row: Mapping[str, str],
           clean: Callable[[str], str]) -> None:
    w, h = lay.cell_w, lay.cell_h
    pdf.set_fill_color(*lay.background)
    pdf.set_draw_color(*lay.accent)
    pdf.rect(x, y, w, h, style="DF")
    band = min(14.0, h * 0.18)
    pdf.set_fill_color(*lay.accent)
    pdf.rect(x, y, w, band, style="F")
    pad = 4.0
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(style="B")
    event = clean(row.get("line-3", ""))
    _fit(pdf, event, w - 2 * pad, 12)
    pdf.text(x + pad, y + band * 0.68, event)
    pdf.set_text_color(*lay.text)
    name = clean(row["name"])
    _fit(pdf, name, w - 2 * pad, 22)
    pdf.text(x + pad, y + band + h * 0.2, name)
    pdf.set_font(style="")
    line2 = clean(row.get("line-2", ""))
    _fit(pdf, line2, w - 2 * pad, 13)
    pdf.text(x + pad, y + band + h * 0.2 + 9, line2)
    secret = row.get("secret")
    if secret:
        size, runs = _qr_runs(secret)
        side = min(w * 0.45, h - band - h * 0.2 - 14 - pad)
        module = side / (size + 8)  # 4-module quiet zone each side
        qx, qy = x + w - side - pad + 4 * module, y + h - side - pad + 4 * module
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x + w - side - pad, y + h - side - pad, side, side, style="F")
        pdf.set_fill_color(0, 0, 0)
        _fill_runs(pdf, qx, qy, module, runs)


def _fill_runs(pdf: FPDF, x: float, y: float, module: float,
               runs: list[tuple[int, int, int]]) -> None:
    """All dark runs as one filled path. Written as raw operators: a few hundred
    `pdf.rect` calls per badge would cost more than everything else together."""
    k, top = pdf.k, pdf.h
    m = module * k
    ops = [f"{(x + rx * module) * k:.2f} {(top - y - ry * module) * k:.2f} "
           f"{length * m:.2f} {-m:.2f} re" for ry, rx, length in runs]
    pdf._out(" ".join(ops) + " f")  # noqa: SLF001 - fpdf2 has no public batch-path API


def render_badges(rows: Iterable[Mapping[str, str]], template: Mapping[str, Any],
                  path: str | os.PathLike[str], *,
                  on_progress: Progress | None = None) -> RenderResult:
    """Render one badge per row into `path` (replaced atomically). `on_progress(done)` is
    called after each page with the number of badges drawn so far."""
    lay = _Layout(template)
    pdf = FPDF(unit="mm", format=(lay.page_w, lay.page_h))
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    family, unicode_ok = _font(pdf)
    pdf.set_font(family, size=12)

    def clean(text: str) -> str:
        return text if unicode_ok else text.encode("latin-1", "replace").decode("latin-1")

    done = 0
    for row in rows:
        slot = done % lay.per_page
        if slot == 0:
            if done and on_progress:
                on_progress(done)
            pdf.add_page()
        _badge(pdf, lay, *lay.origin(slot), row, clean)
        done += 1
    if done == 0:
        raise ValueError("no rows to render")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    pdf.output(str(tmp))
    os.replace(tmp, target)
    if on_progress:
        on_progress(done)
    return RenderResult(path=target, page_count=pdf.pages_count,
                        size_bytes=target.stat().st_size, badge_count=done)
