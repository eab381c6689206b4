"""One badge face: background, built-in decoration, logo, up to six lines and the QR code.

Every size here is in millimetres; a line is as tall as its largest font size allows.
The same function draws the file, the preview and the door print."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fpdf import FPDF

from printing.fonts import FontBook
from printing.qr import draw_qr

PT_MM = 25.4 / 72
PAD = 4.0
LINE_LEADING = 1.3
ALIGN = {"left": "L", "center": "C", "right": "R"}
DEFAULT_LINES = (
    {"field": "line-3", "font": "sans", "size-pt": "fit", "max-pt": 12.0, "min-pt": 6.0,
     "colour": "#ffffff", "align": "left", "bold": True, "in-band": True},
    {"field": "name", "font": "sans", "size-pt": "fit", "max-pt": 22.0, "min-pt": 6.0,
     "colour": None, "align": "left", "bold": True},
    {"field": "line-2", "font": "sans", "size-pt": "fit", "max-pt": 13.0, "min-pt": 6.0,
     "colour": None, "align": "left", "bold": False},
)


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def lines_of(template: Mapping) -> tuple[dict, ...]:
    return tuple(template["lines"]) if template.get("lines") is not None else DEFAULT_LINES


def band_height(template: Mapping, h: float) -> float:
    return min(14.0, h * 0.18) if template["background"] == "band" else 0.0


def line_height(line: Mapping) -> float:
    return line["max-pt"] * PT_MM * LINE_LEADING


def content_height(template: Mapping, h: float = 1000.0) -> float:
    """The height the lines need below the band (the band needs no more than 14 mm)."""
    return (min(14.0, 0.18 * h) if template["background"] == "band" else 0.0) + PAD + sum(
        line_height(ln) for ln in lines_of(template) if not ln.get("in-band")) + PAD


def field_text(line: Mapping, row: Mapping[str, str]) -> str:
    field = line["field"]
    if field == "text":
        return line["text"]
    name = row.get("name", "")
    if field == "first-name":
        return row.get("first-name") or name.split(" ", 1)[0]
    if field == "last-name":
        return row.get("last-name") or (name.split(" ", 1)[1] if " " in name else "")
    if field == "ticket":
        return row.get("ticket") or row.get("line-2", "")
    return row.get(field, "")


def texts_of(template: Mapping, row: Mapping[str, str]) -> list[str]:
    """Every text `draw_face` may write for `row` (a superset: some may not be drawn)."""
    logo = template.get("logo") or {}
    return [field_text(line, row) for line in lines_of(template)] + [logo.get("text", "")]


@dataclass
class Face:
    """What one face needs besides the row: where it is and the images resolved to files
    already cropped to it (`background`, `logo`: paths or None)."""

    template: Mapping
    w: float
    h: float
    background: str | None = None
    logo: str | None = None


def _qr_box(face: Face, band: float) -> tuple[float, float, float] | None:
    qr = face.template.get("qr")
    if not qr:
        return None
    side = qr.get("size-mm") or max(0.0, min(face.w * 0.45, face.h * 0.5))
    side = min(side, face.w - 2 * PAD, face.h - band - 2 * PAD)
    left = PAD if qr["position"].endswith("left") else face.w - side - PAD
    top = band + PAD if qr["position"].startswith("top") else face.h - side - PAD
    return left, top, side


def _fit_size(pdf: FPDF, text: str, width: float, line: Mapping) -> float:
    size = line["max-pt"]
    if line["size-pt"] == "fit":
        pdf.set_font_size(size)
        need = pdf.get_string_width(text)
        if need > width:
            size = max(line["min-pt"], size * width / need)
    return size


def draw_face(pdf: FPDF, fonts: FontBook, face: Face, x: float, y: float,
              row: Mapping[str, str]) -> None:
    tpl, w, h = face.template, face.w, face.h
    accent, text_rgb = rgb(tpl["accent-colour"]), rgb(tpl["text-colour"])
    pdf.set_fill_color(*rgb(tpl["background-colour"]))
    pdf.rect(x, y, w, h, style="F")
    if face.background:
        pdf.image(face.background, x, y, w, h)
    band = band_height(tpl, h)
    pdf.set_fill_color(*accent)
    if band:
        pdf.rect(x, y, w, band, style="F")
    elif tpl["background"] == "stripes":
        pdf.rect(x, y + h - 6, w, 6, style="F")
        pdf.rect(x, y, 3, h, style="F")
    if tpl["background"] == "frame":
        pdf.set_draw_color(*accent)
        pdf.set_line_width(1.5)
        pdf.rect(x + 1, y + 1, w - 2, h - 2, style="D")
    qr = _qr_box(face, band) if row.get("secret") else None
    if face.logo:
        side = (band - 2) if band else 12.0
        pdf.image(face.logo, x=x + w - PAD - side * 2, y=y + 1, h=side, w=side * 2,
                  keep_aspect_ratio=True)
    cursor = y + band + PAD
    for line in lines_of(tpl):
        text = field_text(line, row)
        if line.get("in-band"):
            top, height, width = y, band, w - 2 * PAD
        else:
            top, height = cursor, line_height(line)
            cursor += height
            width = w - 2 * PAD
            if qr and top + height > y + qr[1] and top < y + qr[1] + qr[2]:
                width -= qr[2] + PAD
        if not text or height <= 0:
            continue
        fonts.use(line["font"], line["bold"], line["max-pt"], text)
        pdf.set_font_size(_fit_size(pdf, text, width, line))
        pdf.set_text_color(*(rgb(line["colour"]) if line["colour"] else text_rgb))
        left = x + PAD + (qr[2] + PAD if qr and width < w - 2 * PAD
                          and qr[0] < w / 2 else 0.0)
        pdf.set_xy(left, top)
        pdf.cell(w=width, h=height, text=text, align=ALIGN[line["align"]])
    if tpl.get("logo") and "text" in tpl["logo"] and band:
        fonts.use("display", True, 11, tpl["logo"]["text"])
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(x + PAD, y)
        pdf.cell(w=w - 2 * PAD, h=band, text=tpl["logo"]["text"], align="R")
    if qr:
        draw_qr(pdf, row["secret"], x + qr[0], y + qr[1], qr[2])
