"""Order lifecycle fixtures: an owner, a buyer, an event and a paid ticket, made through
the API (tokens) and read back through the service layer (users)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from models.accounts.tables import User
from tests.support.api import create_event, sign_up
from tests.support.orders import user_named
from tests.support.ticketing import make_ticket


@dataclass
class Shop:
    owner_token: str
    buyer_token: str
    owner: User
    buyer: User
    event_id: str
    ticket_id: str  # 10 units at 25.00, up to 10 per order


@pytest.fixture
def shop(client, db) -> Shop:
    owner_token = sign_up(client, "owner@example.com")
    buyer_token = sign_up(client, "buyer@example.com")
    event_id = create_event(client, owner_token)
    ticket_id = make_ticket(client, owner_token, event_id, 10, price=25, type="paid")
    return Shop(owner_token, buyer_token, user_named(db, "owner@example.com"),
                user_named(db, "buyer@example.com"), event_id, ticket_id)
