"""QR codes drawn as vector rectangles: one per run of dark modules, all in one path (no
image objects, so the file stays small and the code scans crisply at any zoom)."""

from __future__ import annotations

import functools

import segno
from fpdf import FPDF

QUIET = 4  # modules of white around the code, as the standard asks


@functools.lru_cache(maxsize=256)
def qr_runs(secret: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR matrix size and its dark runs as (row, col, length)."""
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
    return len(matrix), tuple(runs)


def draw_qr(pdf: FPDF, secret: str, x: float, y: float, side: float) -> None:
    """The code of `secret` in a white `side` × `side` square at (x, y), quiet zone
    included."""
    size, runs = qr_runs(secret)
    module = side / (size + 2 * QUIET)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, side, side, style="F")
    pdf.set_fill_color(0, 0, 0)
    k, top = pdf.k, pdf.h
    m = module * k
    ox, oy = x + QUIET * module, y + QUIET * module
    # Raw operators: a few hundred `pdf.rect` calls per badge would cost more than
    # everything else together, and fpdf2 has no public batch-path API.
    ops = [f"{(ox + rx * module) * k:.2f} {(top - oy - ry * module) * k:.2f} "
           f"{length * m:.2f} {-m:.2f} re" for ry, rx, length in runs]
    pdf._out(" ".join(ops) + " f")  # noqa: SLF001
