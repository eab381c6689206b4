"""The designer page's flat form fields as a badge template (printing.template checks it
after: this only reshapes). `line-N-*` are the lines; a line whose field is empty is off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.core.errors import Invalid
from printing.template import MAX_LINES

SAMPLE_KEYS = ("name", "line-2", "line-3", "organisation", "ticket")


def _number(form: Mapping[str, str], key: str) -> float:
    try:
        return float(form.get(key, ""))
    except ValueError:
        raise Invalid(f"{key} must be a number", code="invalid_template",
                      pointer=f"/{key}") from None


def _line(form: Mapping[str, str], i: int) -> dict[str, Any] | None:
    field = form.get(f"line-{i}-field", "")
    if not field:
        return None
    size = form.get(f"line-{i}-size", "fit")
    line: dict[str, Any] = {
        "field": field, "font": form.get(f"line-{i}-font", "sans"),
        "size-pt": "fit" if size in ("", "fit") else _number(form, f"line-{i}-size"),
        "colour": form.get(f"line-{i}-colour") or None,
        "align": form.get(f"line-{i}-align", "left"),
        "bold": form.get(f"line-{i}-bold") == "on"}
    if field == "text":
        line["text"] = form.get(f"line-{i}-text", "")
    return line


def template_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    size = form.get("badge-size", "4x3in")
    badge_size: Any = size
    if size == "custom":
        badge_size = {"width-mm": _number(form, "width-mm"),
                      "height-mm": _number(form, "height-mm")}
    qr = form.get("qr", "bottom-right")
    image = form.get("background-image", "")
    lines = [ln for ln in (_line(form, i) for i in range(MAX_LINES + 1)) if ln]
    return {"badge-size": badge_size, "paper-size": form.get("paper-size", "A4"),
            "margin-mm": _number(form, "margin-mm") if form.get("margin-mm") else 8,
            "cut-marks": form.get("cut-marks") == "on", "fold": form.get("fold") == "on",
            "background-colour": form.get("background-colour", "#ffffff"),
            "background": form.get("background", "band"),
            "background-image": int(image) if image.isdigit() else None,
            "text-colour": form.get("text-colour", "#000000"),
            "accent-colour": form.get("accent-colour", "#1e5aa8"),
            "qr": None if qr == "off" else {"position": qr},
            "lines": lines or None}


def sample_row(form: Mapping[str, str]) -> dict[str, str]:
    row = {k: form.get(k, "")[:200] for k in SAMPLE_KEYS if form.get(k)}
    row.setdefault("name", "")
    if form.get("qr", "bottom-right") != "off":
        row["secret"] = "preview-check-in-code"
    return row
