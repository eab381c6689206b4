"""What a badge template may say, checked into the plain dict the renderer reads.

Today's attribute names keep their meaning (`paper-size`, `badges-per-page`,
`background-colour`, `text-colour`, `accent-colour`); a template without `badge-size` is
laid out as before, on the legacy grid. `badges-per-page` in the answer is always the
count the layout fits. Every error names the member (`lines/2/font`)."""

from __future__ import annotations

import re
from typing import Any

from printing.errors import TemplateError
from printing.fonts import FACES, uncovered
from printing.layout import content_height, field_text, lines_of
from printing.paper import (
    BADGE_MAX_MM,
    BADGE_MIN_MM,
    BADGE_MM,
    LEGACY_GRID,
    PAPER_MM,
    sheet_for,
)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FIELDS = ("name", "first-name", "last-name", "line-2", "line-3", "organisation", "ticket",
          "text")
ALIGNS = ("left", "center", "right")
BACKGROUNDS = ("plain", "band", "frame", "stripes")
QR_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
MAX_LINES, MAX_TEXT = 6, 200
SIZE_PT = (6.0, 96.0)
DEFAULTS: dict[str, Any] = {
    "paper-size": "A4", "badges-per-page": 4, "badge-size": None, "margin-mm": 8,
    "cut-marks": False, "fold": False, "background-colour": "#ffffff", "background": "band",
    "background-image": None, "background-images": None, "text-colour": "#000000",
    "accent-colour": "#1e5aa8", "logo": None, "lines": None, "qr": {"position":
                                                                     "bottom-right"},
}


def _fail(member: str, detail: str, code: str = "invalid_template") -> TemplateError:
    return TemplateError(detail, code=code, member=member)


def _number(value: Any, member: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            low <= value <= high):
        raise _fail(member, f"{member} must be a number from {low:g} to {high:g}",
                    code="badge_size_out_of_range" if "mm" in member else "invalid_template")
    return float(value)


def _choice(value: Any, member: str, options: tuple) -> Any:
    if value not in options or isinstance(value, bool):
        raise _fail(member, f"{member} must be one of {', '.join(map(str, options))}")
    return value


def _colour(value: Any, member: str) -> str:
    if not isinstance(value, str) or not COLOUR.match(value):
        raise _fail(member, f"{member} must be a colour like #1e5aa8")
    return value.lower()


def _image_id(value: Any, member: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise _fail(member, f"{member} must be the id of an uploaded badge image")
    return int(value)


def _badge_size(value: Any) -> str | dict | None:
    if value is None or isinstance(value, str):
        return None if value is None else _choice(value, "badge-size", tuple(BADGE_MM))
    if not isinstance(value, dict) or set(value) != {"width-mm", "height-mm"}:
        raise _fail("badge-size", "badge-size must be one of 4x3in, 4.5x4in, a6 or "
                    "{width-mm, height-mm}")
    return {k: _number(value[k], f"badge-size/{k}", BADGE_MIN_MM, BADGE_MAX_MM)
            for k in ("width-mm", "height-mm")}


def _line(raw: Any, i: int) -> dict:
    at = f"lines/{i}"
    if not isinstance(raw, dict):
        raise _fail(at, "each line must be an object {field, font, size-pt, ...}")
    unknown = sorted(set(raw) - {"field", "text", "font", "size-pt", "min-pt", "colour",
                                 "align", "bold"})
    if unknown:
        raise _fail(f"{at}/{unknown[0]}", f"unknown line option {unknown[0]}")
    line = {"field": _choice(raw.get("field", "name"), f"{at}/field", FIELDS),
            "font": _choice(raw.get("font", "sans"), f"{at}/font", tuple(FACES)),
            "align": _choice(raw.get("align", "left"), f"{at}/align", ALIGNS),
            "bold": bool(raw.get("bold", False)),
            "colour": None if raw.get("colour") is None else _colour(raw["colour"],
                                                                     f"{at}/colour")}
    if line["field"] == "text":
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise _fail(f"{at}/text", f"a text line needs text of 1 to {MAX_TEXT} characters")
        line["text"] = text.strip()
    size = raw.get("size-pt", "fit")
    if size == "fit":
        line["size-pt"], line["max-pt"] = "fit", 18.0
        line["min-pt"] = _number(raw.get("min-pt", 6), f"{at}/min-pt", *SIZE_PT)
    else:
        line["size-pt"] = line["max-pt"] = _number(size, f"{at}/size-pt", *SIZE_PT)
    return line


def _lines(value: Any) -> list[dict] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_LINES:
        raise _fail("lines", f"lines must be a list of at most {MAX_LINES} lines",
                    code="too_many_lines")
    return [_line(raw, i) for i, raw in enumerate(value)]


def _qr(value: Any) -> dict | None:
    if value in (None, False, "off"):
        return None
    if value is True:
        value = {}
    if not isinstance(value, dict):
        raise _fail("qr", "qr must be off (false) or {position, size-mm}")
    return {"position": _choice(value.get("position", "bottom-right"), "qr/position",
                                QR_POSITIONS),
            "size-mm": None if value.get("size-mm") is None
            else _number(value["size-mm"], "qr/size-mm", 12, 100)}


def _logo(value: Any) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"image"}:
        return {"image": _image_id(value["image"], "logo/image")}
    if isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str) \
            and 0 < len(value["text"].strip()) <= 60:
        return {"text": value["text"].strip()}
    raise _fail("logo", "logo must be {image: <badge image id>} or {text: <up to 60 chars>}")


def clean_template(raw: Any) -> dict[str, Any]:
    """Options merged over the defaults; `badges-per-page` set to what fits. Raises
    TemplateError naming the member."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail("", "template must be an object")
    raw = {str(k).replace("_", "-"): v for k, v in raw.items()}
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise _fail(unknown[0], f"unknown template option {unknown[0]}")
    out = {**DEFAULTS, **raw}
    out["paper-size"] = _choice(out["paper-size"], "paper-size", tuple(PAPER_MM))
    out["badge-size"] = _badge_size(out["badge-size"])
    if out["badge-size"] is None:
        out["badges-per-page"] = _choice(out["badges-per-page"], "badges-per-page",
                                         tuple(LEGACY_GRID))
    out["margin-mm"] = _number(out["margin-mm"], "margin-mm", 0, 40)
    out["cut-marks"], out["fold"] = bool(out["cut-marks"]), bool(out["fold"])
    for key in ("background-colour", "text-colour", "accent-colour"):
        out[key] = _colour(out[key], key)
    out["background"] = _choice(out["background"], "background", BACKGROUNDS)
    out["background-image"] = _image_id(out["background-image"], "background-image")
    per_ticket = out["background-images"]
    if per_ticket is not None:
        if not isinstance(per_ticket, dict) or len(per_ticket) > 50:
            raise _fail("background-images", "background-images maps ticket names to images")
        out["background-images"] = {str(k)[:MAX_TEXT]: _image_id(v, f"background-images/{k}")
                                    for k, v in per_ticket.items()}
    out["logo"], out["lines"], out["qr"] = _logo(out["logo"]), _lines(out["lines"]), \
        _qr(out["qr"])
    sheet = sheet_for(out)
    out["badges-per-page"] = sheet.per_page
    _check_lines_fit(out, sheet.badge_h)
    return out


def _check_lines_fit(template: dict, badge_h: float) -> None:
    need = content_height(template)
    if need > badge_h:
        raise _fail("lines", f"the lines need {need:.0f} mm but the badge is "
                    f"{badge_h:.0f} mm tall", code="badge_too_small")


def first_uncovered(row: dict[str, str], template: dict) -> tuple[str, str] | None:
    """(field, character) of the first character of `row` that no font in the chain of
    its line's face covers, or None: such a name is refused before rendering."""
    for line in lines_of(template):
        missing = uncovered(field_text(line, row), line["font"])
        if missing:
            return line["field"], missing[0]
    return None
