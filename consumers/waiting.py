"""Waiting for a peer a consumer's effect needs (bus.consume.Unavailable): the worker
backs off (doubling, at most a minute), logs one line a minute, and records the wait for
`/ops` and `venuebus status` until the work goes through. The batch's messages stay
unacked meanwhile (heartbeats go on in the connection thread) and cost no attempt."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bus.consume import Unavailable
from models.core.db import Database
from models.core.waits import clear_wait, record_wait

log = logging.getLogger("venuebus.consumer")
LOG_EVERY = 60.0


class PeerWait:
    """The wait of one consumer; `sleep` and `clock` are injectable for tests."""

    def __init__(self, db: Database, consumer: str, *, max_backoff: float = 60.0,
                 stopping: threading.Event | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db, self.consumer, self.max_backoff = db, consumer, max_backoff
        self.stopping = stopping or threading.Event()  # the loop's: the wait ends on it
        self._sleep, self._clock = sleep or self.stopping.wait, clock
        self._backoff = 0.0
        self._logged_at: float | None = None

    def __call__(self, exc: Exception) -> bool:
        """True after waiting when `exc` is an Unavailable (try the work again); False
        for every other exception (not ours to handle), and once the loop stops."""
        if not isinstance(exc, Unavailable) or self.stopping.is_set():
            return False
        now = self._clock()
        if self._logged_at is None or now - self._logged_at >= LOG_EVERY:
            log.warning("%s waiting: %s (retrying, at most every %.0fs)", self.consumer,
                        exc, self.max_backoff)
            self._logged_at = now
            self._record(exc.reason)
        self._backoff = min(max(self._backoff * 2, 1.0), self.max_backoff)
        self._sleep(self._backoff)
        return not self.stopping.is_set()

    def went_through(self) -> None:
        """The work succeeded: end the wait, if there was one."""
        if self._logged_at is None:
            return
        log.info("%s: no longer waiting", self.consumer)
        self._backoff, self._logged_at = 0.0, None
        try:
            clear_wait(self.db, self.consumer)
        except Exception:  # noqa: BLE001 - only the operator's view; the work is done
            log.exception("could not clear the wait of %s", self.consumer)

    def _record(self, reason: str) -> None:
        try:
            record_wait(self.db, self.consumer, reason)
        except Exception:  # noqa: BLE001 - the database may be the other thing down
            log.exception("could not record the wait of %s", self.consumer)
