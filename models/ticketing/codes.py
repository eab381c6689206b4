"""The codes a ticket carries to the door: its attendee's check-in secret, or Open Event's
`<order identifier>-<attendee id>` (the organizer app's QR codes).

An order's identifier is random and stored (`orders.identifier`, unique), made once when
the order is placed: never its id, which is sequential, and never derived from a key, so
rotating `SECRET_KEY` leaves every printed code valid. A plain `<order id>-<attendee id>`
names nobody."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

IDENTIFIER_BYTES = 16  # 128 random bits
IDENTIFIER_LENGTH = 22  # token_urlsafe(16): 22 characters of [A-Za-z0-9_-]
MAX_ATTENDEE_ID = 2**31 - 1  # attendees.id is an INTEGER
# the identifier has a fixed length, so its own '-' never splits it from the attendee id
ORDER_CODE = re.compile(rf"^([A-Za-z0-9_-]{{{IDENTIFIER_LENGTH}}})-([0-9]{{1,10}})$")
IDENTIFIER = re.compile(rf"^[A-Za-z0-9_-]{{{IDENTIFIER_LENGTH}}}$")


def new_order_identifier() -> str:
    """A fresh order identifier: URL-safe, 128 bits from `secrets`."""
    return secrets.token_urlsafe(IDENTIFIER_BYTES)


def is_identifier(text: str) -> bool:
    """Whether `text` is shaped like an order identifier (it may name no order)."""
    return IDENTIFIER.match(text) is not None


@dataclass(frozen=True)
class OrderCode:
    """`<order identifier>-<attendee id>`, parsed."""

    identifier: str
    attendee_id: int


def parse_order_code(code: str) -> OrderCode | None:
    """The order code `code` spells, or None when it is not shaped like one (it may still
    be a check-in secret: a secret can look like a code, so callers try both)."""
    match = ORDER_CODE.match(code)
    if match is None or int(match[2]) > MAX_ATTENDEE_ID:
        return None
    return OrderCode(match[1], int(match[2]))
