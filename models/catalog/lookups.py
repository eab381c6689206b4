"""Events and tickets by id, many at once: what compound documents (`include=`) load."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select

from models.accounts.tables import User
from models.catalog.events import can_manage
from models.catalog.tables import Event, Ticket
from models.core.db import Database


def events_by_ids(db: Database, ids: list[int]) -> list[Event]:
    """The events among `ids` (public: anyone may read an event), in one query."""
    with db.session() as s:
        return list(s.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id)))


def tickets_by_ids(db: Database, ids: list[int]) -> list[Ticket]:
    """The tickets among `ids`, in one query. For tickets a visible resource names (an
    attendee's, an order's): those are shown even when hidden from the public list."""
    with db.session() as s:
        return list(s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)))


def tickets_of_events(db: Database, actor: User | None, event_ids: list[int],
                      limit: int | None = None) -> dict[int, list[Ticket]]:
    """Each event's tickets (hidden ones only for who manages it), in two queries; of the
    first `limit` tickets only, when given (the caller sees it reached a cap)."""
    with db.session() as s:
        events = {e.id: e for e in s.scalars(select(Event).where(Event.id.in_(event_ids)))}
        out: dict[int, list[Ticket]] = defaultdict(list)
        managed = [e.id for e in events.values() if can_manage(actor, e)]
        # visibility in SQL, so that `limit` counts only what the actor may see
        visible = or_(Ticket.is_hidden.is_not(True), Ticket.event_id.in_(managed))
        for t in s.scalars(select(Ticket).where(Ticket.event_id.in_(event_ids), visible)
                           .order_by(Ticket.id).limit(limit)):
            out[t.event_id].append(t)
        return out
