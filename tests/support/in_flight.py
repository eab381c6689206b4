"""Work held in flight in a consumer: lock the row its handler must update, so the
handler waits inside its transaction for as long as the caller wants."""

from __future__ import annotations

import threading

from sqlalchemy import text


class EventRowLock:
    """Holds an event row locked (in a thread) until release(): a consumer's update of
    that row waits behind it. `at_most` bounds the hold, so a failing test cannot hang."""

    def __init__(self, db, event_id: int, at_most: float = 120.0) -> None:
        self._release = threading.Event()
        locked = threading.Event()

        def hold() -> None:
            with db.engine.connect() as conn, conn.begin():
                conn.execute(text("SELECT id FROM events WHERE id = :id FOR UPDATE"),
                             {"id": event_id})
                locked.set()
                self._release.wait(at_most)

        self._thread = threading.Thread(target=hold, daemon=True)
        self._thread.start()
        assert locked.wait(10), "the event row was not locked"  # else nothing is in flight

    def release(self) -> None:
        self._release.set()
        self._thread.join(30)


def waiting_on_a_lock(db) -> bool:
    """Some session of this database (a consumer's) waits for a row lock."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar())
