"""Ticketing fixtures: an owner, an event and a ticket made through the service functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from models.accounts.tables import User
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.catalog.tables import Event, Ticket
from tests.support.api import create_event, sign_up


@dataclass
class Shop:
    owner: User
    buyer: User
    event: Event
    ticket: Ticket

    def add_ticket(self, db, quantity: int, **fields) -> Ticket:
        return catalog.create_ticket(db, self.owner, self.event.id,
                                     {"name": f"T{quantity}", "quantity": quantity, **fields})


@pytest.fixture
def shop(db) -> Shop:
    owner = create_user(db, "owner@example.com", "password123")
    buyer = create_user(db, "buyer@example.com", "password123")
    event = catalog.create_event(db, owner, {
        "name": "PyCon", "starts_at": datetime(2027, 3, 1, 9, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 2, 18, tzinfo=UTC)})
    ticket = catalog.create_ticket(db, owner, event.id, {"name": "Std", "quantity": 100,
                                                         "max_order": 50})
    return Shop(owner, buyer, event, ticket)


@pytest.fixture
def owner(client) -> str:
    """A bearer token of the event owner, signed up through the API."""
    return sign_up(client, "owner@example.com")


@pytest.fixture
def event_id(client, owner: str) -> str:
    """An event of `owner`'s, made through the API."""
    return create_event(client, owner)
