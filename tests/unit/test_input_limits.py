"""api/limits: the nesting bound is exact, and ids are whole numbers from 1 to 2**31-1."""

from __future__ import annotations

import pytest

from api.errors import ApiError
from api.limits import MAX_INT, MAX_JSON_DEPTH, bounded_id, parse_json


def nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_documents_nest_up_to_the_bound_and_not_one_level_more():
    assert parse_json(nested(MAX_JSON_DEPTH)) is not None
    for raw in (nested(MAX_JSON_DEPTH + 1), "[" * 100_000, "[" * 990 + "]" * 990):
        with pytest.raises(ApiError) as err:
            parse_json(raw)
        assert (err.value.status, err.value.code) == (400, "invalid_json")


def test_the_bound_holds_for_bytes_for_wide_documents_and_brackets_in_strings():
    """Few brackets skip the walk; many are walked, whether they nest or stand side by
    side, whether they sit in strings or not."""
    wide = "[" + ",".join(["{}"] * 500) + "]"  # 501 containers, 2 deep
    assert len(parse_json(wide.encode())) == 500
    decoy = '{"s": "' + "[{" * 100 + '"}'  # brackets in a string, 1 deep
    assert parse_json(decoy)["s"].startswith("[{")
    for raw in (nested(MAX_JSON_DEPTH + 1).encode(), '{"s": "]]]]", "a": ' +
                nested(MAX_JSON_DEPTH) + "}"):
        with pytest.raises(ApiError) as err:
            parse_json(raw)
        assert (err.value.status, err.value.code) == (400, "invalid_json")


@pytest.mark.parametrize("raw", [0, -1, MAX_INT + 1, 2**63, "1.5", "", None, True, "٣",
                                 "9" * 5000])
def test_ids_outside_the_columns_range_are_refused(raw):
    with pytest.raises(ApiError) as err:
        bounded_id(raw, "/data/id", "invalid_linkage", "id")
    assert (err.value.status, err.value.pointer) == (422, "/data/id")


def test_ids_within_range_are_read_from_numbers_and_digit_strings():
    assert bounded_id(MAX_INT, "/p", "c", "id") == MAX_INT
    assert bounded_id("7", "/p", "c", "id") == 7
