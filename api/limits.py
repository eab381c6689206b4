"""What the API accepts at its edge, whatever the database: JSON nested at most
`MAX_JSON_DEPTH` deep, integers that fit the columns they reach (PostgreSQL `integer`;
SQLite's driver raises OverflowError past 64 bits, PostgreSQL a DataError past 32), and
path ids of that range (a larger one names nothing: 404)."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from api.errors import ApiError
from api.text_input import check_json_strings

MAX_INT = 2**31 - 1  # what every id and count column holds
MAX_JSON_DEPTH = 32  # JSON:API documents here nest a handful of levels
IDS = validate.Range(min=1, max=MAX_INT, error="Must be an id from {min} to {max}")
COUNTS = validate.Range(min=0, max=MAX_INT, error="Must be from {min} to {max}")


class BoundedInt(IntegerConverter):
    """`<int:...>` for ids a column can hold: /v1/attendees/9223372036854775808 is a 404
    like any id that names nothing, not a driver error. (A converter's ValidationError
    would make werkzeug answer 405 for the other methods of the rule: NotFound it is.)"""

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_INT)) or int(value) > MAX_INT:
            raise NotFound()
        return super().to_python(value)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests containers deeper than `limit` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node \
            if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_json(raw: bytes | str, *, code: str = "invalid_json", what: str = "The body",
               parameter: str | None = None) -> Any:
    """`raw` as JSON, or a 400 `code` naming `what`: not JSON, not UTF-8, or nested deeper
    than MAX_JSON_DEPTH (Python's parser raises RecursionError near 1000 levels; every
    later walk of a document would recurse as deep); a 422 for a string holding a
    control character (api/text_input.py)."""
    too_deep = ApiError(400, code, f"{what} nests deeper than {MAX_JSON_DEPTH} levels",
                        parameter=parameter)
    try:
        value = json.loads(raw)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise ApiError(400, code, f"{what} is not valid JSON: {exc}",
                       parameter=parameter) from None
    if not _containers_at_most(raw, MAX_JSON_DEPTH) and \
            _depth_exceeds(value, MAX_JSON_DEPTH):  # few brackets: no walk needed
        raise too_deep
    check_json_strings(value, raw, parameter)
    return value


def _containers_at_most(raw: bytes | str, limit: int) -> bool:
    """Whether `raw` opens at most `limit` objects and arrays: its depth is then at most
    `limit`. Brackets inside strings count too, so this errs only towards walking."""
    if isinstance(raw, str):
        return raw.count("{") + raw.count("[") <= limit
    return raw.count(b"{") + raw.count(b"[") <= limit


def bounded_id(raw: Any, pointer: str, code: str, what: str) -> int:
    """An id sent as a number or a string of ASCII digits, from 1 to MAX_INT, or a 422."""
    text = raw.strip() if isinstance(raw, str) else None
    value = raw if isinstance(raw, int) and not isinstance(raw, bool) else \
        int(text) if text and text.isascii() and text.isdigit() and len(text) <= 10 else 0
    if not 1 <= value <= MAX_INT:
        raise ApiError(422, code, f"{what} must be an integer id from 1 to {MAX_INT}",
                       pointer=pointer)
    return value


def event_filter(*, required: bool) -> int | None:
    """`filter[event]=<event id>` (None when absent and not required), or a 400 naming it.
    An id past MAX_INT names no event, as in a path: it is refused here rather than sent
    to a column that cannot hold it."""
    raw = request.args.get("filter[event]")
    if raw is None and not required:
        return None
    value = int(raw) if raw is not None and raw.isdigit() and len(raw) <= 10 else 0
    if not 1 <= value <= MAX_INT:
        raise ApiError(400, "invalid_filter", f"filter[event] must be an event id from 1 "
                       f"to {MAX_INT}", parameter="filter[event]")
    return value
