"""In CI a missing broker tool or service fails the run; elsewhere it skips the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.services import missing_service

TESTS = Path(__file__).resolve().parents[1]


def outcome_of_missing_service() -> str:
    """'failed' or 'skipped': caught here, so a skip cannot pass for this test's own skip."""
    try:
        missing_service("needs rabbitmqctl")
    except pytest.fail.Exception as exc:
        assert "needs rabbitmqctl" in str(exc)
        return "failed"
    except pytest.skip.Exception as exc:
        assert "needs rabbitmqctl" in str(exc)
        return "skipped"
    return "returned"


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_in_ci_a_missing_service_fails_the_test(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert outcome_of_missing_service() == "failed"


@pytest.mark.parametrize("value", [None, "", "false"])
def test_outside_ci_a_missing_service_skips_the_test(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert outcome_of_missing_service() == "skipped"


def test_no_test_skips_for_a_missing_broker_tool_by_itself():
    silent = re.compile(r"skipif\(\s*not\s+(has_rabbitmqctl|rabbitmq_installed)"
                        r"|pytest\.skip\([^)]*(rabbit|emulator)", re.IGNORECASE)
    offenders = sorted(str(path.relative_to(TESTS)) for path in TESTS.rglob("*.py")
                       if path != Path(__file__).resolve() and silent.search(path.read_text()))
    assert offenders == [], "use missing_service() or the rabbitmqctl_at_hand fixture"
