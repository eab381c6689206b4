"""Timeline fixtures: a clock the services read (so facts fall in many buckets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import models.core.base
from tests.integration.ticketing.conftest import shop  # noqa: F401 - the fixture


class Clock:
    """What `utcnow()` answers while the fixture is active; `advance` moves it on."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    # utcnow() (also every column default) reads `datetime` from models.core.base
    clock = Clock(datetime(2027, 3, 1, 8, 0, 7, tzinfo=UTC))

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206 - datetime's signature
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    monkeypatch.setattr(models.core.base, "datetime", Frozen)
    return clock
