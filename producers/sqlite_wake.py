"""Waking the relay on SQLite, which has no NOTIFY: `PRAGMA data_version` on a
connection of its own changes whenever another connection, in this or any other
process, has committed to the database file. Reading it costs no disk access (in WAL
mode it compares a counter in the shared-memory index), so it can be read every few
milliseconds: the relay claims only when something committed, and a committed outbox
row goes out within one interval instead of a whole poll period."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

WAKE_INTERVAL_S = 0.01  # the relay's idle cost: see bench/speaker_sqlite.py's idle table


class SqliteCommits:
    """`wait(timeout)` returns once a commit happened since the previous look (or at
    once the first time, when nothing was seen yet); a commit during the caller's work
    is never missed, since the version it saw last was read before that work began."""

    def __init__(self, engine: Engine, interval: float = WAKE_INTERVAL_S) -> None:
        self.engine = engine
        self.interval = interval
        self._conn = None
        self._seen: int | None = None

    def wait(self, timeout: float, stopping: threading.Event) -> bool:
        """True when another connection committed, False after `timeout` or on stop.
        Raises the driver's error when the database cannot be read (the connection is
        dropped first, so the next call opens a new one)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._changed():
                return True
            left = deadline - time.monotonic()
            if left <= 0 or stopping.wait(min(self.interval, left)):
                return False

    def _changed(self) -> bool:
        try:
            if self._conn is None:
                self._conn = self.engine.raw_connection()
            cur = self._conn.cursor()
            try:
                cur.execute("PRAGMA data_version")
                version = cur.fetchone()[0]
            finally:
                cur.close()
        except Exception:
            self.close()
            raise
        changed, self._seen = version != self._seen, version
        return changed

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never back to the pool: its version is its own
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
            self._conn = None
            self._seen = None
