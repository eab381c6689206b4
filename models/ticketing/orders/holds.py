"""How many units one buyer holds in pending orders of one event, capped by
MAX_PENDING_UNITS_PER_BUYER: one buyer cannot hold a sold-out event hostage with unpaid
orders renewed as they expire.

The count is a row per (buyer, event) (`pending_holds`), added to by the write that
places a pending order (an upsert: the row is locked, so concurrent orders add in turn)
and taken from when the order leaves pending (paid, cancelled, expired). Its CHECK
`units <= cap` refuses the write that would pass the cap, so the whole order is refused
with it, in the same statement on the one-statement path (no round trip added)."""

from __future__ import annotations

from sqlalchemy import Connection, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.core.errors import Conflict
from models.ticketing.tables import PendingHold

HOLDS = PendingHold.__table__
CHECK_NAME = "within_cap"  # ck_pending_holds_within_cap; SQLite names it bare


def add_to_hold(stmt: postgresql.Insert | sqlite.Insert):
    """`stmt`, an INSERT of (user_id, event_id, units, cap) into pending_holds, made to
    add its units to the row that exists (and set the row's cap to today's)."""
    return stmt.on_conflict_do_update(
        index_elements=[HOLDS.c.user_id, HOLDS.c.event_id],
        set_={"units": HOLDS.c.units + stmt.excluded.units, "cap": stmt.excluded.cap})


def take_hold(conn: Connection, user_id: int, event_id: int, units: int, cap: int) -> None:
    """Add `units` to the buyer's pending units at the event, in the caller's
    transaction; IntegrityError (see `too_many_pending`) past `cap`."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(add_to_hold(insert(HOLDS).values(user_id=user_id, event_id=event_id,
                                                  units=units, cap=cap)))


def give_back_hold(s: Session, user_id: int, event_id: int, units: int) -> None:
    """The buyer's pending order of `units` left pending (the caller holds its lock)."""
    s.execute(update(HOLDS).where(HOLDS.c.user_id == user_id, HOLDS.c.event_id == event_id)
              .values(units=HOLDS.c.units - units))


def too_many_pending(error: IntegrityError, cap: int) -> Conflict | None:
    """The Conflict to answer when the hold's cap refused the write, else None."""
    if CHECK_NAME not in str(error.orig):
        return None
    return Conflict(f"A buyer holds at most {cap} units in unpaid orders of one event; "
                    "pay or cancel one first", code="too_many_pending")
