"""A check-in list's rules as one decision (models/ticketing/checkin/rules.py). The desk's
offline copy decides from the same cases (tests/browser/test_door_offline.py)."""

from __future__ import annotations

import pytest

from models.ticketing.checkin.rules import refusal
from tests.support.check_in_rules import CASES, NOW


@pytest.mark.parametrize(("list_rules", "who", "expected"), CASES)
def test_the_list_rules_decide_entry_in_one_order(list_rules, who, expected):
    assert refusal(list_rules, who, NOW) == expected
