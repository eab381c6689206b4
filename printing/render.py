"""Render badge rows into a PDF: a pure function of (rows, template, images) → file or bytes.

Rows are consumed lazily; a file is written under a temporary name and renamed into
place, so a crash never leaves a half file under the final name. A folded badge is drawn
twice, the second face turned half a circle so it reads upright once folded."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF

from printing.fonts import FontBook
from printing.images import ImageFile, cover_crop, fit_within
from printing.layout import Face, draw_face, texts_of
from printing.paper import Sheet, sheet_for
from printing.template import DEFAULTS

Progress = Callable[[int], None]
MARK = 4.0  # cut-mark length, mm


@dataclass(frozen=True)
class RenderResult:
    path: Path
    page_count: int
    size_bytes: int
    badge_count: int


class _Faces:
    """One Face per background, cropped once per document into `folder`."""

    def __init__(self, template: Mapping, sheet: Sheet, images: Mapping[int, ImageFile],
                 folder: str) -> None:
        self.template, self.sheet, self.images, self.folder = template, sheet, images, folder
        self.cache: dict[int | None, Face] = {}
        logo = (template.get("logo") or {}).get("image")
        self.logo = fit_within(images[logo], 60, 20, folder) if logo in images else None

    def for_row(self, row: Mapping[str, str]) -> Face:
        per_ticket = self.template.get("background-images") or {}
        image_id = per_ticket.get(row.get("ticket") or row.get("line-2", ""),
                                  self.template.get("background-image"))
        face = self.cache.get(image_id)
        if face is None:
            background = None
            if image_id in self.images:
                background = cover_crop(self.images[image_id], self.sheet.badge_w,
                                        self.sheet.badge_h, self.folder)
            face = Face(self.template, self.sheet.badge_w, self.sheet.badge_h,
                        background, self.logo)
            self.cache[image_id] = face
        return face


def _cut_marks(pdf: FPDF, sheet: Sheet) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    m = sheet.margin
    xs = [m + c * sheet.badge_w for c in range(sheet.cols + 1)]
    ys = [m + r * sheet.slot_h for r in range(sheet.rows + 1)]
    length = min(MARK, max(m - 1, 0))
    for x in xs:
        pdf.line(x, m - 1 - length, x, m - 1)
        pdf.line(x, ys[-1] + 1, x, ys[-1] + 1 + length)
    for y in ys:
        pdf.line(m - 1 - length, y, m - 1, y)
        pdf.line(xs[-1] + 1, y, xs[-1] + 1 + length, y)


def _draw(rows: Iterable[Mapping[str, str]], template: Mapping[str, Any],
          images: Mapping[int, ImageFile], folder: str,
          on_progress: Progress | None, sheet: Sheet | None = None,
          chars: str | None = None) -> tuple[FPDF, int]:
    # A badge requested before a template option existed renders with its default.
    template = {**DEFAULTS, **template}
    sheet = sheet or sheet_for(template)
    pdf = FPDF(unit="mm", format=(sheet.page_w, sheet.page_h))
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    pdf.c_margin = 0
    fonts, faces = FontBook(pdf, chars), _Faces(template, sheet, images, folder)
    done = 0
    for row in rows:
        slot = done % sheet.per_page
        if slot == 0:
            if done and on_progress:
                on_progress(done)
            pdf.add_page()
            if template.get("cut-marks") and template.get("badge-size"):
                _cut_marks(pdf, sheet)
        x, y = sheet.origin(slot)
        face = faces.for_row(row)
        draw_face(pdf, fonts, face, x, y, row)
        if sheet.fold:
            with pdf.rotation(180, x + sheet.badge_w / 2, y + sheet.badge_h * 1.5):
                draw_face(pdf, fonts, face, x, y + sheet.badge_h, row)
        done += 1
    if done == 0:
        raise ValueError("no rows to render")
    return pdf, done


def render_badges(rows: Iterable[Mapping[str, str]], template: Mapping[str, Any],
                  path: str | os.PathLike[str], *, images: Mapping[int, ImageFile] | None = None,
                  on_progress: Progress | None = None) -> RenderResult:
    """Render one badge per row into `path` (replaced atomically). `on_progress(done)` is
    called after each page with the number of badges drawn so far. ValueError on no rows."""
    target = Path(path)
    with tempfile.TemporaryDirectory(prefix="badge-") as folder:
        pdf, done = _draw(rows, template, images or {}, folder, on_progress)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        pdf.output(str(tmp))
    os.replace(tmp, target)
    if on_progress:
        on_progress(done)
    return RenderResult(path=target, page_count=pdf.pages_count,
                        size_bytes=target.stat().st_size, badge_count=done)


def render_pages(rows: Iterable[Mapping[str, str]], template: Mapping[str, Any], *,
                 images: Mapping[int, ImageFile] | None = None) -> bytes:
    """Each row's badge on a page of its own size (a preview, a door print, an order's
    tickets), as PDF bytes. ValueError on no rows."""
    badge = sheet_for({**DEFAULTS, **template})
    sheet = Sheet(badge.badge_w, badge.badge_h, 1, 1, badge.badge_w, badge.badge_h,
                  fold=False, margin=0.0, gap=0.0)
    # Crops are kept between calls (a live preview asks again and again): the name of a
    # crop hashes the image file, its focus and the badge size, and image files never change.
    folder = os.path.join(tempfile.gettempdir(), f"venuebus-badge-crops-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    template = {**DEFAULTS, **template, "cut-marks": False}
    rows = list(rows)
    # Every character is known before drawing, so faces may be read cut down.
    chars = "".join(text for row in rows for text in texts_of(template, row))
    pdf, _ = _draw(rows, template, images or {}, folder, None, sheet, chars)
    return bytes(pdf.output())


def render_one(row: Mapping[str, str], template: Mapping[str, Any], *,
               images: Mapping[int, ImageFile] | None = None) -> bytes:
    """One badge on a page of its own size (a preview, a door print), as PDF bytes."""
    return render_pages([row], template, images=images)
