"""Work held in flight: a transaction of the test's own, open in a thread, holding a
row lock (or a unique key) that the code under test must wait for, as long as the
caller wants."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text


class HeldTransaction:
    """Runs `sql` (with `params`) in a transaction of its own, in a thread, and holds it
    open until release(), then rolls it back. `at_most` bounds the hold, so a failing
    test cannot hang."""

    def __init__(self, db, sql: str, params: dict[str, Any] | None = None,
                 at_most: float = 120.0) -> None:
        self._release = threading.Event()
        held = threading.Event()

        def hold() -> None:
            with db.engine.connect() as conn, conn.begin():
                conn.execute(text(sql), params or {})
                held.set()
                self._release.wait(at_most)
                conn.rollback()

        self._thread = threading.Thread(target=hold, daemon=True)
        self._thread.start()
        assert held.wait(10), f"not held: {sql}"  # else nothing is in flight

    def release(self) -> None:
        self._release.set()
        self._thread.join(30)


class EventRowLock(HeldTransaction):
    """Holds an event row locked until release(): a consumer's update of that row waits
    behind it."""

    def __init__(self, db, event_id: int, at_most: float = 120.0) -> None:
        super().__init__(db, "SELECT id FROM events WHERE id = :id FOR UPDATE",
                         {"id": event_id}, at_most)


def lock_waiters(db) -> int:
    """How many sessions of this database wait for a lock."""
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar()


def waiting_on_a_lock(db) -> bool:
    """Some session of this database (a consumer's) waits for a row lock."""
    return lock_waiters(db) > 0
