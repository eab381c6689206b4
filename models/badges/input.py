"""What a badge request may contain: rows (or CSV text) and template options, validated
into the plain snapshot stored on the badge. Every error points at the offending member."""

from __future__ import annotations

import csv
import io
from typing import Any

from models.core.errors import Invalid
from printing import template
from printing.errors import TemplateError

MAX_ROWS = 10_000
MAX_FIELD = 200
MAX_SECRET = 512
ROW_KEYS = ("name", "line-2", "line-3", "secret")
EXTRA_KEYS = ("first-name", "last-name", "organisation", "ticket")
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
    for key in EXTRA_KEYS:  # kept only when given: 10,000 rows are stored as JSON
        if text := _text(raw.get(key), f"{pointer}/{key}", MAX_FIELD):
            row[key] = text
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


def clean_template(raw: Any, pointer: str = f"{ATTRS}/template") -> dict[str, Any]:
    """Template options merged over the defaults, `badges-per-page` set to what fits;
    Invalid (pointing at the member) on anything the renderer cannot lay out."""
    try:
        return template.clean_template(raw)
    except TemplateError as exc:
        member = f"{pointer}/{exc.member}" if exc.member else pointer
        raise Invalid(exc.detail, code=exc.code, pointer=member) from exc


def check_glyphs(rows: list[dict[str, str]], tpl: dict[str, Any],
                 pointer: str = f"{ATTRS}/rows") -> None:
    """Invalid (`glyph_not_covered`, naming the character) when a row has a character
    that no installed font covers: it would print as a box."""
    for i, row in enumerate(rows):
        found = template.first_uncovered(row, tpl)
        if found:
            field, char = found
            raise Invalid(f"no installed font has the character {char!r} "
                          f"(U+{ord(char):04X}) in {field}", code="glyph_not_covered",
                          pointer=f"{pointer}/{i}/{field}")
