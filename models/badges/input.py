"""What a badge request may contain: rows (or CSV text) and template options, validated
into the plain snapshot stored on the badge. Every error points at the offending member."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from models.core.errors import Invalid

MAX_ROWS = 10_000
MAX_FIELD = 200
MAX_SECRET = 512
ROW_KEYS = ("name", "line-2", "line-3", "secret")
PAPER_SIZES = ("A4", "A5", "A6", "Letter")
PER_PAGE = (1, 2, 4, 6, 8, 10)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_TEMPLATE = {"paper-size": "A4", "badges-per-page": 4,
                    "background-colour": "#ffffff", "text-colour": "#000000",
                    "accent-colour": "#1e5aa8"}
ATTRS = "/data/attributes"


def _text(value: Any, pointer: str, limit: int, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise Invalid("must not be empty", code="missing_value", pointer=pointer)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Invalid("must be a string", code="invalid_value", pointer=pointer)
    text = str(value).strip()
    if required and not text:
        raise Invalid("must not be empty", code="missing_value", pointer=pointer)
    if len(text) > limit:
        raise Invalid(f"must be at most {limit} characters", code="too_long", pointer=pointer)
    return text


def _row(raw: Any, pointer: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise Invalid("each row must be an object {name, line-2, line-3}",
                      code="invalid_row", pointer=pointer)
    raw = {str(k).replace("_", "-"): v for k, v in raw.items()}
    row = {"name": _text(raw.get("name"), f"{pointer}/name", MAX_FIELD, required=True)}
    for key in ("line-2", "line-3"):
        row[key] = _text(raw.get(key), f"{pointer}/{key}", MAX_FIELD)
    secret = _text(raw.get("secret"), f"{pointer}/secret", MAX_SECRET)
    if secret:
        row["secret"] = secret
    return row


def clean_rows(rows: Any, pointer: str = f"{ATTRS}/rows") -> list[dict[str, str]]:
    """Rows as `{name, line-2, line-3[, secret]}` dicts; Invalid on anything else."""
    if not isinstance(rows, list) or not rows:
        raise Invalid("rows must be a non-empty list", code="invalid_rows", pointer=pointer)
    if len(rows) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} badges per request", code="too_many_rows",
                      pointer=pointer)
    return [_row(raw, f"{pointer}/{i}") for i, raw in enumerate(rows)]


def parse_csv(text: Any) -> list[dict[str, str]]:
    """CSV text, one badge per line: name, line 2, line 3[, secret]. A first line whose
    first cell is `name` is a header and names the columns."""
    pointer = f"{ATTRS}/csv"
    if not isinstance(text, str) or not text.strip():
        raise Invalid("csv must be non-empty CSV text", code="invalid_csv", pointer=pointer)
    try:
        lines = [r for r in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise Invalid(f"csv is not valid CSV: {exc}", code="invalid_csv",
                      pointer=pointer) from exc
    columns = list(ROW_KEYS)
    if lines and lines[0] and lines[0][0].strip().lower() == "name":
        columns = [c.strip().lower().replace("_", "-").replace(" ", "-") for c in lines[0]]
        lines = lines[1:]
    rows = [dict(zip(columns, line, strict=False)) for line in lines]
    if not rows:
        raise Invalid("csv has no badge lines", code="invalid_csv", pointer=pointer)
    return clean_rows(rows, pointer)


def clean_template(raw: Any) -> dict[str, Any]:
    """Template options merged over the defaults; Invalid on unknown values."""
    pointer = f"{ATTRS}/template"
    if raw is None:
        return dict(DEFAULT_TEMPLATE)
    if not isinstance(raw, dict):
        raise Invalid("template must be an object", code="invalid_template", pointer=pointer)
    raw = {str(k).replace("_", "-"): v for k, v in raw.items()}
    unknown = sorted(set(raw) - set(DEFAULT_TEMPLATE))
    if unknown:
        raise Invalid(f"unknown template option {unknown[0]}", code="invalid_template",
                      pointer=f"{pointer}/{unknown[0]}")
    out = {**DEFAULT_TEMPLATE, **raw}
    if out["paper-size"] not in PAPER_SIZES:
        raise Invalid(f"paper-size must be one of {', '.join(PAPER_SIZES)}",
                      code="invalid_template", pointer=f"{pointer}/paper-size")
    if out["badges-per-page"] not in PER_PAGE or isinstance(out["badges-per-page"], bool):
        raise Invalid(f"badges-per-page must be one of {PER_PAGE}", code="invalid_template",
                      pointer=f"{pointer}/badges-per-page")
    for key in ("background-colour", "text-colour", "accent-colour"):
        if not isinstance(out[key], str) or not COLOUR.match(out[key]):
            raise Invalid(f"{key} must be a colour like #1e5aa8", code="invalid_template",
                          pointer=f"{pointer}/{key}")
    return out
