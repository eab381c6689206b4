"""Idempotency keys of order POSTs: a retry within 24 h gets the first order back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, delete

from models.core.base import utcnow
from models.core.errors import Invalid
from models.ticketing.tables import IdempotencyKey

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Idempotency:
    """The client's key and a fingerprint of the request it came with."""

    key: str
    fingerprint: str

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > MAX_KEY_LENGTH:
            raise Invalid(f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters",
                          code="invalid_idempotency_key")


class StoredKey(NamedTuple):
    """The row of a key used before, as the order's first statement reads it."""

    id: int
    fingerprint: str
    order_id: int
    created_at: datetime


def earlier_order_id(conn: Connection, stored: StoredKey | None,
                     idem: Idempotency) -> int | None:
    """The order a live key already made, None if the key is new (an expired key is
    dropped). Raises Invalid when the key was used with a different request. The order
    writes the key in its own transaction: a concurrent request with the same key blocks
    on the unique index and fails once the first commits, then reads it here."""
    if stored is None:
        return None
    if stored.created_at < utcnow() - KEY_TTL:
        conn.execute(delete(IdempotencyKey).where(IdempotencyKey.id == stored.id))
        return None
    if stored.fingerprint != idem.fingerprint:
        raise Invalid("This Idempotency-Key was used with a different request",
                      code="idempotency_key_reused")
    return stored.order_id
