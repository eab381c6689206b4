"""Idempotency keys of order POSTs: a retry within 24 h gets the first order back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

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


def earlier_order_id(session: Session, user_id: int, idem: Idempotency) -> int | None:
    """The order a live key already made, None if the key is new (an expired key is
    dropped). Raises Invalid when the key was used with a different request."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                      IdempotencyKey.key == idem.key))
    if row is None:
        return None
    if row.created_at < utcnow() - KEY_TTL:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        return None
    if row.fingerprint != idem.fingerprint:
        raise Invalid("This Idempotency-Key was used with a different request",
                      code="idempotency_key_reused")
    return row.order_id


def remember(session: Session, user_id: int, idem: Idempotency, order_id: int) -> None:
    """Insert the key in the order's transaction. A concurrent request with the same key
    blocks on the unique index here and fails once this one commits."""
    session.add(IdempotencyKey(user_id=user_id, key=idem.key, fingerprint=idem.fingerprint,
                               order_id=order_id))
    session.flush()
