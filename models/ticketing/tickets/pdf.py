"""An order's tickets as PDF bytes, rendered on demand (a renamed attendee gets a new PDF)
and kept by content: the key hashes what the pages show, so the same tickets are drawn
once and a changed name or time is a new key. The ETag is that hash."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

from models.accounts.tables import User
from models.core.db import Database
from models.ticketing.tickets.read import OrderTickets, read_order_tickets
from printing.ticket import TEMPLATE, render_tickets

CACHED_PDFS = 64  # an order's PDF is ~40 KB: a few MB at most per process


@dataclass(frozen=True)
class TicketsPdf:
    identifier: str
    content: bytes
    etag: str


class _ByContent:
    """A small LRU of rendered PDFs by content hash (threads of one worker share it)."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key: str, value: bytes) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_cache = _ByContent(CACHED_PDFS)


def content_key(tickets: OrderTickets) -> str:
    """The hash of everything the pages show, and of the layout that shows it."""
    text = json.dumps([TEMPLATE, [asdict(f) for f in tickets.faces]], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def render_order_tickets(tickets: OrderTickets) -> TicketsPdf:
    """The PDF of these tickets (from the cache when the same content was drawn)."""
    key = content_key(tickets)
    content = _cache.get(key)
    if content is None:
        content = render_tickets(tickets.faces)
        _cache.put(key, content)
    return TicketsPdf(tickets.identifier, content, key)


def order_tickets_pdf(db: Database, actor: User, order_id: int) -> TicketsPdf:
    """The order's tickets for its buyer and the event's organizers: NotFound for anyone
    else, Conflict `order_not_completed` unless the order is completed."""
    return render_order_tickets(read_order_tickets(db, actor, order_id))
