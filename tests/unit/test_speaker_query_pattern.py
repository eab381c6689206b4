"""The play query's rule and its statement in the OpenAPI document are one: the pattern
(contracts/speaker_queries.py query_pattern) takes exactly what classify_query takes, and
the character classes they share are the Unicode categories they name."""

from __future__ import annotations

import re
import sys
import unicodedata

import jsonschema_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from api.text_input import BLANK
from contracts.speaker_queries import (
    DEFAULT_MEDIA_HOSTS,
    MAX_QUERY_LENGTH,
    REFUSED_ASTRAL,
    REFUSED_CHARACTERS,
    SPACES,
    QueryRefused,
    classify_query,
    query_pattern,
)

SCHEMA = {"type": "string", "maxLength": MAX_QUERY_LENGTH,
          "pattern": query_pattern(DEFAULT_MEDIA_HOSTS),
          "not": {"pattern": f"[{REFUSED_ASTRAL}]"}}


def _class(body: str) -> set[str]:
    one = re.compile(f"[{body}]")
    return {chr(c) for c in range(sys.maxunicode + 1)
            if not 0xD800 <= c <= 0xDFFF and one.fullmatch(chr(c))}


def takes(query: str) -> bool:
    try:
        classify_query(query, DEFAULT_MEDIA_HOSTS)
    except QueryRefused:
        return False
    return True


def test_the_classes_are_the_categories_they_name():
    refused = _class(REFUSED_CHARACTERS + REFUSED_ASTRAL)
    assert max(map(ord, _class(REFUSED_CHARACTERS))) <= 0xFFFF
    assert min(map(ord, _class(REFUSED_ASTRAL))) > 0xFFFF
    assert {c for c in refused if unicodedata.category(c) not in ("Cc", "Cf")} == set()
    every = {chr(c) for c in range(sys.maxunicode + 1)}
    assert {c for c in every if unicodedata.category(c) in ("Cc", "Cf")} <= refused
    spaces = {c for c in every if c.isspace()}
    assert _class(BLANK) == spaces
    assert _class(SPACES) == spaces - refused


EXAMPLES = [
    "file:///etc/passwd", "ftp://files.example/a.mp3", "http://10.0.0.1/admin",
    "http://user:pw@127.0.0.1:8090/hello.wav", "http://127.0.0.1:8099/setup/pair",
    "https://www.youtube.com.attacker.example/watch?v=dQw4w9WgXcQ", "a://b",
    "https://youtube.com:80@evil.example/x", "line one\nline two", "rtl\u202eevil",
    "zero\u200bwidth", "x" * (MAX_QUERY_LENGTH + 1), " " + "x" * MAX_QUERY_LENGTH, "", "   ",
    "\u3000", "dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ", "HTTPS://YOUTU.BE/x", "http://127.0.0.1:8090/hello.wav",
    "http://LOCALHOST:8090/tone.wav", " never gonna give you up ", "file: a colon",
    "x" * MAX_QUERY_LENGTH, "\U000f0000 private use", "\U00050000 unassigned",
    "tag\U000e0041", "https://youtu.be/x\U000e0001",
]


def test_the_pattern_takes_what_classify_query_takes():
    for query in EXAMPLES:
        assert jsonschema_rs.is_valid(SCHEMA, query) is takes(query), repr(query)


@settings(max_examples=500, derandomize=True, database=None)
@given(st.text(max_size=40) | st.from_regex(re.compile(SCHEMA["pattern"][:-1] + r"\Z")))
def test_any_text_is_taken_by_both_or_by_neither(query):
    assert jsonschema_rs.is_valid(SCHEMA, query) is takes(query)
