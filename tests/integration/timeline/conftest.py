"""Timeline fixtures: the ticketing shop and a clock the services read (so facts fall in
many buckets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.ticketing.conftest import shop  # noqa: F401 - the fixture
from tests.support.clock import Clock, install_clock


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return install_clock(monkeypatch, datetime(2027, 3, 1, 8, 0, 7, tzinfo=UTC))
