"""Orders in paths: `/v1/orders/<identifier>` takes an order's identifier (random and
stored, what Open Event's clients and door QR codes carry: models/ticketing/codes.py) or
its id. Either way the service then shows the order only to those who may see it."""

from __future__ import annotations

from api import deps
from api.limits import MAX_INT
from models.core.errors import NotFound
from models.ticketing.codes import is_identifier
from models.ticketing.orders.read import ORDER_NOT_FOUND, order_id_by_identifier


def order_id_of(identifier: str) -> int:
    """The order id an identifier (or a plain order id) names; NotFound when no order has
    it, or past the ids a column holds."""
    if identifier.isascii() and identifier.isdigit() and len(identifier) <= 10:
        if 0 < int(identifier) <= MAX_INT:
            return int(identifier)
    elif is_identifier(identifier):
        return order_id_by_identifier(deps.db(), identifier)
    raise NotFound(ORDER_NOT_FOUND)
