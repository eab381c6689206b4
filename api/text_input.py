"""Strings the API accepts: no NUL and no control character that means nothing in text.

PostgreSQL refuses NUL in `text` (a driver error, once a 500), and a C0 control or DEL
in a name, an email or a code only hides what it says. Tab, line feed and carriage return
stay: free text has lines. Every string input passes here: JSON bodies' values through
`parse_json`, and the query string's and form fields' values and path segments before any
view. Names (JSON members, parameters, fields) are only looked up, never stored: an
unknown one is ignored, whatever it holds."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request

from api.errors import ApiError

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# the same, as the OpenAPI document states it for every string sent
_CONTROL_CLASS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f"
NO_CONTROL_PATTERN = f"^[^{_CONTROL_CLASS}]*$"
# what str.strip() takes off (str.isspace): a name or a banned query of only these is empty
BLANK = ("\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
         "\\u2028\\u2029\\u202f\\u205f\\u3000")
# a string the API strips and then needs non-empty (names, a banned query), as stated
NOT_BLANK_PATTERN = f"^[^{_CONTROL_CLASS}]*[^{_CONTROL_CLASS}{BLANK}][^{_CONTROL_CLASS}]*$"
# how a control character can appear in JSON text: an escape (\u00XX, \b, \f) or a raw
# DEL (JSON forbids raw C0 characters in strings; the parser refuses them as invalid JSON)
_MAY_HOLD_CONTROL = re.compile(rb"\\u00|\\b|\\f|\x7f")


def _refuse(where: str, *, pointer: str | None = None, parameter: str | None = None):
    return ApiError(422, "control_character", f"{where} holds a NUL or another control "
                    "character that has no place in text", pointer=pointer,
                    parameter=parameter)


def check_json_strings(value: Any, raw: bytes | str, parameter: str | None = None) -> None:
    """422 `control_character` pointing at the first member of the decoded document
    `value` (parsed from `raw`) whose string value holds a control character; at
    the query `parameter` instead when the document came from one."""
    if not _MAY_HOLD_CONTROL.search(raw.encode() if isinstance(raw, str) else raw):
        return
    stack = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if CONTROL.search(node):
                raise _refuse(f"The value at {path or '/'}", pointer=None if parameter
                              else path or "/", parameter=parameter)
            continue
        # member names are only looked up (an unknown one is ignored): values reach columns
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for key, child in items:
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            stack.append((child, f"{path}/{escaped}"))


# the bodies werkzeug parses into `request.form`; for any other (JSON) reading the form
# parses nothing and cost 0.06 ms of every request
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _check_request_strings() -> None:
    # values only: a parameter's or a field's name is only looked up (an unknown one is
    # ignored), as a JSON member's name is
    sources = [("query parameter", request.args)] if request.query_string else []
    if request.mimetype in FORM_TYPES:
        sources.append(("form field", request.form))
    for name, values in sources:
        for key, value in values.items(multi=True):
            if CONTROL.search(value):
                raise _refuse(f"The {name} {key!r}", parameter=key)
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and CONTROL.search(value):
            raise _refuse("The path", parameter=None)


def install(app: Flask) -> None:
    app.before_request(_check_request_strings)
