"""The device's clock offset from the server's, estimated from the server's timestamps.

Every command carries `issued_at` (server clock). On arrival, `arrival - issued_at` is the
device's offset plus the trip, and the trip is never negative: the smallest of the recent
samples is the offset plus the shortest trip, the best estimate this side of the wire
has. A group's start time (server clock) plus that estimate is when this device starts on
its own clock; devices fed by the same broker see about the same shortest trip, so what is
left of it shifts every member alike and does not part them.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

KEEP = 20


class ClockOffset:
    def __init__(self, keep: int = KEEP) -> None:
        self._samples: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def observe(self, issued_at: datetime, arrived_at: datetime) -> None:
        with self._lock:
            self._samples.append((arrived_at - issued_at).total_seconds())

    @property
    def seconds(self) -> float:
        """The estimated offset (device clock minus server clock); 0 before any sample."""
        with self._lock:
            return min(self._samples) if self._samples else 0.0

    def local(self, server_time: datetime) -> datetime:
        """`server_time` on this device's clock."""
        return server_time + timedelta(seconds=self.seconds)
