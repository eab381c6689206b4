"""Start work in many threads at once, the way racing clients arrive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class HungThreads(AssertionError):
    """Some racers had not finished when the race's deadline passed."""


def race(n: int, work: Callable[[int], Any], timeout: float = 60) -> list:
    """Run `work(i)` for i in range(n) in n threads released together by a barrier.
    Returns each result, or the exception it raised, at index i. Raises HungThreads
    when any thread is still running `timeout` seconds after the start: a hung racer
    is a failure, never a silent `None` counted as a result."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    finished = [False] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc
        finished[i] = True

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    hung = [i for i, t in enumerate(threads) if t.is_alive() or not finished[i]]
    if hung:
        raise HungThreads(f"{len(hung)} of {n} racers did not finish within {timeout}s: {hung}")
    return results
