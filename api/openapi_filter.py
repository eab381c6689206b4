"""The `filter=` query parameter as the OpenAPI document states it: a JSON value (the
parameter's `content` is application/json) whose shape api/list_query.py accepts, built
from the same registry (FILTERABLE), so the two cannot drift. The document states the
plain conditions (name, op and val, nothing else) and the `has` conditions one
relationship deep, up to MAX_LISTED of them (and of an `in`'s values), text up to
MAX_TEXT characters; `or`/`and` groups and deeper nesting are accepted as the
description says."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from api.limits import MAX_INT
from api.list_query import COMPARISONS, FILTERABLE, MAX_LISTED, MAX_TEXT, NUMBER_TEXT
from api.text_input import NO_CONTROL_PATTERN


def _value_schema(kind: type) -> dict[str, Any]:
    """A `val` `_value` (api/list_query.py) takes for a column of python type `kind`."""
    if kind is bool:
        return {"type": "boolean"}
    if kind is int:
        return {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT}
    if kind in (Decimal, float):
        return {"anyOf": [{"type": "number"}, {"type": "string", "maxLength": MAX_TEXT,
                                               "pattern": f"^{NUMBER_TEXT.pattern}$"}]}
    if kind is datetime:
        return {"type": "string", "format": "date-time"}
    return {"type": "string", "maxLength": MAX_TEXT, "pattern": NO_CONTROL_PATTERN}


def _shape(name: str, ops: list[str], value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["name", "op", "val"], "additionalProperties": False,
            "properties": {"name": {"type": "string", "enum": [name]},
                           "op": {"type": "string", "enum": ops}, "val": value}}


def _conditions(type_: str) -> list[dict[str, Any]]:
    out = []
    for name, column in sorted(FILTERABLE[type_].fields.items()):
        kind = column.type.python_type
        value = _value_schema(kind)
        out += [_shape(name, ["eq", "ne"], {**value, "nullable": True}),  # null: IS NULL
                *([] if kind is bool else [_shape(name, ["ge", "le", "gt", "lt", *(
                    ("like", "ilike") if kind is str else ())], value)]),
                _shape(name, ["in"], {"type": "array", "minItems": 1, "maxItems": MAX_LISTED,
                                      "items": value})]
    return out


def filter_parameter(type_: str, description: str) -> dict[str, Any]:
    """The `filter` parameter of a list of `type_`."""
    assert {"eq", "ne", "ge", "le", "gt", "lt", "like", "ilike", "in"} == set(COMPARISONS)
    plain = _conditions(type_)
    has = [_shape(name, ["has"], {"anyOf": _conditions(target)})
           for name, (target, _join) in sorted(FILTERABLE[type_].relationships.items())]
    condition = {"anyOf": plain + has}
    return {"name": "filter", "in": "query", "required": False, "description": description,
            "content": {"application/json": {"schema": {"anyOf": [
                condition, {"type": "array", "maxItems": MAX_LISTED, "items": condition}]}}}}
