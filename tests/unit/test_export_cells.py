"""Every text cell a spreadsheet would evaluate gets a leading quote; numbers and plain
text are written as they are."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.ticketing.exports.writers import neutralise


@pytest.mark.parametrize("text", ["=1+1", "+31 20 123", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://evil.example","x")'])
def test_text_a_spreadsheet_would_evaluate_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Ada", "a=b", "", -5, Decimal("-2.50"), None])
def test_plain_text_and_numbers_are_unchanged(value):
    assert neutralise(value) == value
