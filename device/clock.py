"""The device's clock offset from the server's, estimated from the server's timestamps.

Every command carries `issued_at` (server clock). On arrival, `arrival - issued_at` is the
device's offset plus the trip, and the trip is never negative: the smallest of the recent
samples is the offset plus the shortest trip, the best estimate this side of the wire
has. A group's start time (server clock) plus that estimate is when this device starts on
its own clock.

What is left of the trip in the estimate must be the same on every member, or it parts
them. A group's commands reach every member together (one message, fanned out by the
broker), while a member's own commands take trips of their own (another moment of the
relay, another queue): one member whose own command once came through fast would start
early by that much. So a group's start uses the samples of that group's commands alone,
the same messages on every member, and the device's other samples only until it has some.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

KEEP = 20


class ClockOffset:
    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._samples: dict[object, deque[float]] = {}
        self._lock = threading.Lock()

    def observe(self, issued_at: datetime, arrived_at: datetime, group: object = None) -> None:
        """A command issued at `issued_at` (server clock) arrived at `arrived_at` (this
        device's clock); `group`: the group whose command it was, None for its own."""
        gap = (arrived_at - issued_at).total_seconds()
        with self._lock:
            for key in {None, group}:
                self._samples.setdefault(key, deque(maxlen=self._keep)).append(gap)

    def seconds_for(self, group: object = None) -> float:
        """The estimated offset (device clock minus server clock) for a start of `group`
        (None: any); 0 before any sample."""
        with self._lock:
            samples = self._samples.get(group) or self._samples.get(None)
            return min(samples) if samples else 0.0

    @property
    def seconds(self) -> float:
        return self.seconds_for(None)

    def local(self, server_time: datetime, group: object = None) -> datetime:
        """`server_time` on this device's clock, for a start of `group`."""
        return server_time + timedelta(seconds=self.seconds_for(group))
