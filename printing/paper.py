"""Paper and badge sizes, and how many badges a sheet holds.

Paper sizes are the real ones (Letter is 8.5 × 11 in, not A4). A badge grid is the
largest whole number of badges (twice as tall when folded) that fits inside the margins,
on the sheet upright or turned, whichever holds more."""

from __future__ import annotations

from dataclasses import dataclass

from printing.errors import TemplateError

INCH = 25.4
PAPER_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0),
            "A6": (105.0, 148.0), "Letter": (8.5 * INCH, 11 * INCH),
            "Legal": (8.5 * INCH, 14 * INCH)}
BADGE_MM = {"4x3in": (4 * INCH, 3 * INCH), "4.5x4in": (4.5 * INCH, 4 * INCH),
            "a6": (105.0, 148.0)}
BADGE_MIN_MM, BADGE_MAX_MM = 50.0, 210.0
# The legacy grids (`badges-per-page` without `badge-size`): cells fill the sheet.
LEGACY_GRID = {1: (1, 1), 2: (1, 2), 4: (2, 2), 6: (2, 3), 8: (2, 4), 10: (2, 5)}
LEGACY_MARGIN, LEGACY_GAP = 8.0, 4.0


@dataclass(frozen=True)
class Sheet:
    """Where the badges go: page size, grid, one badge's face (w × h) and its slot
    (face × 2 in height when folded)."""

    page_w: float
    page_h: float
    cols: int
    rows: int
    badge_w: float
    badge_h: float
    fold: bool
    margin: float
    gap: float

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def slot_h(self) -> float:
        return self.badge_h * (2 if self.fold else 1)

    def origin(self, slot: int) -> tuple[float, float]:
        col, row = slot % self.cols, slot // self.cols
        return (self.margin + col * (self.badge_w + self.gap),
                self.margin + row * (self.slot_h + self.gap))


def _count(page: tuple[float, float], slot: tuple[float, float], margin: float,
           gap: float) -> tuple[int, int]:
    cols = int((page[0] - 2 * margin + gap + 1e-6) // (slot[0] + gap))
    rows = int((page[1] - 2 * margin + gap + 1e-6) // (slot[1] + gap))
    return max(cols, 0), max(rows, 0)


def sheet_for(template: dict) -> Sheet:
    """The sheet of a cleaned template. TemplateError (`badge_does_not_fit`) when not one
    badge fits the paper inside its margins."""
    paper = PAPER_MM[template["paper-size"]]
    fold = bool(template.get("fold"))
    size = template.get("badge-size")
    if size is None:
        cols, rows = LEGACY_GRID[template["badges-per-page"]]
        w = (paper[0] - 2 * LEGACY_MARGIN - (cols - 1) * LEGACY_GAP) / cols
        h = (paper[1] - 2 * LEGACY_MARGIN - (rows - 1) * LEGACY_GAP) / rows
        return Sheet(paper[0], paper[1], cols, rows, w, h / (2 if fold else 1), fold,
                     LEGACY_MARGIN, LEGACY_GAP)
    w, h = badge_mm(size)
    margin, gap = float(template["margin-mm"]), 0.0
    slot = (w, h * (2 if fold else 1))
    best = None
    for page in (paper, (paper[1], paper[0])):
        cols, rows = _count(page, slot, margin, gap)
        if best is None or cols * rows > best[2] * best[3]:
            best = (page[0], page[1], cols, rows)
    assert best is not None
    if best[2] * best[3] == 0:
        what = "folded badge" if fold else "badge"
        raise TemplateError(f"a {w:.0f} × {slot[1]:.0f} mm {what} does not fit on "
                            f"{template['paper-size']} inside {margin:g} mm margins",
                            code="badge_does_not_fit", member="badge-size")
    return Sheet(best[0], best[1], best[2], best[3], w, h, fold, margin, gap)


def badge_mm(size: str | dict) -> tuple[float, float]:
    if isinstance(size, str):
        return BADGE_MM[size]
    return float(size["width-mm"]), float(size["height-mm"])
