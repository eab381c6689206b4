"""A desk's copy of its check-in list, synced by cursor. Every change a desk keeps moves an
attendee's `sync_seq` past every cursor (database triggers, migration 1500), so a sync
reads only the attendees changed since its cursor, through (event_id, sync_seq): its cost
is the number of changes, not the size of the list.

The desk gets salted hashes of the codes, never the codes: a lost laptop opens no door
(the salt is the list's, random, and the codes carry 128 random bits, so the hashes
cannot be walked back). The event's every attendee is sent, not only the list's: offline,
the desk refuses another list's ticket as `wrong_list`, with the ticket's name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, union_all

from models.accounts.tables import User
from models.catalog.tables import Ticket
from models.core.db import Database
from models.core.errors import Invalid
from models.ticketing.checkin.lists import ListView, load_list
from models.ticketing.staff import door_event
from models.ticketing.tables import Attendee, Order

PAGE = 5000  # attendees per answer; the desk asks again while `more`
HASH_CHARS = 32  # 128 bits of SHA-256
# the oldest transaction of this database that has written and not yet ended (its id, 64
# bits), else the next id to come. Of this database only: the server's xmin would let any
# long transaction elsewhere on a shared server make every sync resend its recent rows.
# A transaction that has not written yet has no id, and the numbers it takes later are
# above every number a sync has seen. pg_stat_activity shows other sessions' ids to the
# same role (or pg_read_all_stats): the API's, the relay's and the consumers' one role.
OLDEST_RUNNING = text("""
    WITH snap AS (SELECT pg_current_snapshot() AS s),
         mine AS (SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
                  WHERE datname = current_database() AND backend_xid IS NOT NULL)
    SELECT COALESCE(
        (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
         WHERE x::text::bigint % 4294967296 IN (SELECT x FROM mine)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))""")


def code_hash(salt: str, code: str) -> str:
    """What a desk keeps of a code, and computes from a scanned one to look it up."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()[:HASH_CHARS]


@dataclass(frozen=True)
class Cursor:
    revision: int  # the list's: rules or tickets changed since means start again
    seq: int  # the highest change number sent
    # PostgreSQL: the oldest transaction still running when the sync read (0: none to
    # fear). Numbers are taken inside transactions that commit in any order, so one below
    # `seq` may commit later: its transaction id is then at least `xmin`, and the next
    # sync sends it.
    xmin: int = 0

    def __str__(self) -> str:
        return f"{self.revision}.{self.seq}.{self.xmin}"


def parse_cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 18
                                  for p in parts) or len(parts[0]) > 9:
        raise Invalid("since must be a cursor a sync returned", code="invalid_cursor",
                      pointer="/since")
    return Cursor(*map(int, parts))


@dataclass(frozen=True)
class SyncPage:
    list: ListView
    reset: bool  # the desk drops what it holds first
    tickets: dict[int, str]  # the event's ticket names, by id
    attendees: list[list[Any]]  # [id, secret hash, order code hash, name, ticket id, state]
    cursor: Cursor
    more: bool


def _state(row) -> str:
    if row.is_cancelled:
        return "cancelled"
    if row.status != "completed":
        return row.status  # pending, placed: the list may admit them; expired: never
    if row.is_checked_in and not row.is_checked_out:
        return "inside"
    return "out" if row.is_checked_out else "new"


def sync_list(db: Database, actor: User, event_id: int, list_id: int,
              since: str | None) -> SyncPage:
    """The attendees of the event changed since the cursor `since` (all of them when None
    or when the list changed since: `reset`), oldest change first, up to PAGE; the new
    cursor; `more` when another page waits. Owner, admins and staff (Forbidden,
    NotFound); Invalid `invalid_cursor` on a cursor no sync made."""
    cursor = parse_cursor(since)
    with db.session() as s:
        door_event(s, actor, event_id)
        view = load_list(s, event_id, list_id)
        reset = cursor is None or cursor.revision != view.row.revision
        after = 0 if reset else cursor.seq
        # read before the attendees: whatever runs while they are read is at least this
        xmin = s.scalar(OLDEST_RUNNING) if db.is_postgres else 0
        columns = (Attendee.id, Attendee.checkin_secret, Order.identifier,
                   Attendee.first_name, Attendee.last_name, Attendee.ticket_id,
                   Attendee.is_cancelled, Attendee.is_checked_in, Attendee.is_checked_out,
                   Order.status, Attendee.sync_seq)
        # each part on an index of its own: the numbers above the cursor, and the ones
        # below it written by transactions that were running at the last sync
        parts = [select(*columns).join(Order, Order.id == Attendee.order_id)
                 .where(Attendee.event_id == event_id, Attendee.sync_seq > after)]
        if not reset and cursor.xmin:
            parts.append(select(*columns).join(Order, Order.id == Attendee.order_id)
                         .where(Attendee.event_id == event_id,
                                Attendee.sync_xid >= cursor.xmin,
                                Attendee.sync_seq <= after))
        changed = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        rows = s.execute(select(changed).order_by(changed.c.sync_seq)
                         .limit(PAGE + 1)).all()
        tickets = dict(s.execute(select(Ticket.id, Ticket.name)
                                 .where(Ticket.event_id == event_id)).all()) if reset else {}
    more, rows = len(rows) > PAGE, rows[:PAGE]
    salt = view.row.salt
    attendees = [[r.id, code_hash(salt, r.checkin_secret),
                  code_hash(salt, f"{r.identifier}-{r.id}"),
                  f"{r.first_name} {r.last_name}", r.ticket_id, _state(r)] for r in rows]
    last = max([after, *(r.sync_seq for r in rows)])
    return SyncPage(view, reset, tickets, attendees, Cursor(view.row.revision, last, xmin),
                    more)
