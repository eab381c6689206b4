"""The race helper fails on a hung racer instead of counting it as a result."""

from __future__ import annotations

import threading

import pytest

from tests.support.concurrency import HungThreads, race


def test_a_racer_still_running_at_the_deadline_fails_the_race():
    release = threading.Event()

    def work(i: int) -> int:
        if i == 1:
            release.wait(30)
        return i

    try:
        with pytest.raises(HungThreads, match=r"1 of 3 racers .*\[1\]"):
            race(3, work, timeout=0.3)
    finally:
        release.set()


def test_results_and_exceptions_come_back_at_their_index():
    def work(i: int) -> int:
        if i == 2:
            raise ValueError(i)
        return i * 10

    results = race(3, work, timeout=10)

    assert results[:2] == [0, 10]
    assert isinstance(results[2], ValueError)
