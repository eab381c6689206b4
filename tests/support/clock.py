"""A clock the services read: `utcnow()` (and so every column default) answers
`Clock.now` while it is installed, so facts can fall on many days and buckets."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import models.core.base


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def install_clock(monkeypatch: pytest.MonkeyPatch, start: datetime) -> Clock:
    """A Clock at `start` that utcnow() reads until `monkeypatch` is undone."""
    clock = Clock(start)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206 - datetime's signature
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    # utcnow() reads `datetime` from models.core.base at each call
    monkeypatch.setattr(models.core.base, "datetime", Frozen)
    return clock
