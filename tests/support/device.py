"""Helpers for the device tests: a recording fake resolver, waiting, and WAV output reading."""

from __future__ import annotations

import array
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from device.player import PlayerState
from device.resolver import Resolved

WAV_HEADER = 44


class FakeResolver:
    """Resolves a query that is already a URL to itself (a fresh resolution to a new URL,
    `?fresh=N`, as a real stream URL changes); records (query, fresh)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def resolve(self, query: str, *, fresh: bool = False) -> Resolved:
        self.calls.append((query, fresh))
        url = f"{query}?fresh={len(self.calls)}" if fresh else query
        return Resolved(query=query, url=url, title=query.rsplit("/", 1)[-1],
                        duration_s=None, expires_at=time.time() + 3600)


class StateLog:
    """The on_state callback of a player: keeps every published state."""

    def __init__(self) -> None:
        self.states: list[PlayerState] = []
        self._cond = threading.Condition()

    def __call__(self, state: PlayerState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    @property
    def last(self) -> PlayerState:
        return self.states[-1]

    def wait(self, predicate: Callable[[PlayerState], bool], timeout: float = 10) -> PlayerState:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for state in reversed(self.states):
                    if predicate(state):
                        return state
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such state within {timeout}s; last: "
                                         f"{self.states[-1] if self.states else None}")
                self._cond.wait(left)

    def statuses(self) -> list[str]:
        out: list[str] = []
        for s in self.states:
            if not out or out[-1] != s.status:
                out.append(s.status)
        return out


def wait_until(predicate: Callable[[], bool], timeout: float = 10, interval: float = 0.05,
               what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def size(path: Path) -> int:
    return os.path.getsize(path) if os.path.exists(path) else 0


def rms(path: Path, start: int = WAV_HEADER, end: int | None = None) -> float:
    """Root mean square of the signed 16-bit samples in bytes [start, end) of the file."""
    data = Path(path).read_bytes()[start:end]
    samples = array.array("h", data[: len(data) // 2 * 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))
