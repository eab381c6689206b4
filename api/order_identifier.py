"""Order identifiers as Open Event's clients use them: `GET /v1/orders/<identifier>`, and
door QR codes `<identifier>-<attendee id>` that the organizer app matches on the device.

A QR code is the door's only proof, so the identifier must not be guessable from the
order id: it is the id and an HMAC of it under the app's secret key (no column needed).
Rotating the secret key changes every identifier (and so invalidates printed codes)."""

from __future__ import annotations

import hashlib
import hmac

from api import deps
from api.limits import MAX_INT
from models.core.errors import NotFound

MAC_CHARS = 20


def _mac(order_id: int) -> str:
    key = deps.config().secret_key.encode()
    return hmac.new(key, f"order:{order_id}".encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]


def order_identifier(order_id: int) -> str:
    return f"{order_id}.{_mac(order_id)}"


def order_id_of(identifier: str) -> int:
    """The order id an identifier (or a plain order id) names; NotFound when forged or
    past the ids a column holds."""
    id_part, dot, mac = identifier.partition(".")
    if id_part.isascii() and id_part.isdigit() and len(id_part) <= 10 and \
            0 < int(id_part) <= MAX_INT and (not dot or hmac.compare_digest(
                mac.encode(), _mac(int(id_part)).encode())):
        return int(id_part)
    raise NotFound("Order not found")
