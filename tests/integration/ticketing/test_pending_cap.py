"""One buyer cannot hold a sold-out event hostage: the units a buyer holds in pending
(unpaid) orders of one event are capped (MAX_PENDING_UNITS_PER_BUYER, 409
too_many_pending), under concurrency too, and a refused order writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.catalog.tables import Ticket
from models.core.base import utcnow
from models.core.errors import Conflict
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.complete import complete_order
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.orders.place import AttendeeDetails, place_order
from models.ticketing.tables import Order
from tests.support.api import assert_error, login
from tests.support.concurrency import race
from tests.support.ticketing import buy, person

CAP = 10


def _buy(db, shop, ticket_id: int, n: int, **kw):
    return place_order(db, shop.buyer, shop.event.id,
                       [AttendeeDetails(ticket_id, "Ada", f"L{i}") for i in range(n)], **kw)


def _sold(db, ticket_id: int) -> int:
    with db.session() as s:
        return s.get(Ticket, ticket_id).sold_count


def _orders(db, status: str) -> int:
    with db.session() as s:
        return len(s.scalars(select(Order.id).where(Order.status == status)).all())


@pytest.fixture
def paid(db, shop) -> Ticket:
    return shop.add_ticket(db, 40, price=25, type="paid", max_order=20)


def test_a_buyer_holds_at_most_the_cap_in_pending_orders(db, shop, paid):
    assert db.config.max_pending_units_per_buyer == CAP
    _buy(db, shop, paid.id, 4)
    _buy(db, shop, paid.id, 4)
    with pytest.raises(Conflict) as refused:
        _buy(db, shop, paid.id, 3)
    assert refused.value.code == "too_many_pending"
    with pytest.raises(Conflict):  # one order past the cap by itself
        _buy(db, shop, paid.id, 11)
    assert (_sold(db, paid.id), _orders(db, "pending")) == (8, 2)  # nothing written
    _buy(db, shop, paid.id, 2)  # up to the cap exactly
    assert _sold(db, paid.id) == 10


def test_the_cap_counts_across_tickets_and_payment_modes_do_not_count(db, shop, paid):
    other = shop.add_ticket(db, 30, price=5, type="paid", max_order=20)
    both = [AttendeeDetails(paid.id, "A", "A")] * 3 + [AttendeeDetails(other.id, "B", "B")] * 3
    place_order(db, shop.buyer, shop.event.id, both)  # written in steps: 6 held
    _buy(db, shop, other.id, 4)
    with pytest.raises(Conflict, match="at most 10"):
        _buy(db, shop, paid.id, 1)
    _buy(db, shop, paid.id, 12, payment_mode="bank")  # placed: no hold, the organiser decides
    assert (_sold(db, paid.id), _sold(db, other.id)) == (15, 7)


def test_paid_cancelled_or_expired_orders_give_their_hold_back(db, shop, paid):
    first = _buy(db, shop, paid.id, 5).order.id
    second = _buy(db, shop, paid.id, 5).order.id
    with pytest.raises(Conflict):
        _buy(db, shop, paid.id, 1)
    complete_order(db, shop.owner, first)
    _buy(db, shop, paid.id, 5)
    cancel_order(db, shop.owner, second)
    _buy(db, shop, paid.id, 5)
    with pytest.raises(Conflict):
        _buy(db, shop, paid.id, 1)
    assert expire_due_orders(db, utcnow() + timedelta(days=1)) == 2
    _buy(db, shop, paid.id, 10)


def test_concurrent_orders_of_one_buyer_never_hold_past_the_cap(db, shop, paid):
    other = shop.add_ticket(db, 40, price=5, type="paid", max_order=20)

    def order(i: int):
        if i % 3 == 0:  # two lines: written in steps, in a transaction
            return place_order(db, shop.buyer, shop.event.id, [
                AttendeeDetails(paid.id, "Ada", "A"), AttendeeDetails(other.id, "B", "B")])
        return _buy(db, shop, paid.id if i % 2 else other.id, 1)  # one statement

    results = race(24, order)
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, Conflict) and r.code == "too_many_pending" for r in refused), \
        refused
    held = sum(len(r.attendees) for r in results if not isinstance(r, Exception))
    assert held == _sold(db, paid.id) + _sold(db, other.id)
    assert CAP - 1 <= held <= CAP and refused


def test_the_api_answers_409_too_many_pending(client, db, shop, paid):
    token = login(client, "buyer@example.com")
    r = buy(client, token, str(shop.event.id), [person(str(paid.id))] * 10)
    assert r.status_code == 201, r.get_json()
    r = buy(client, token, str(shop.event.id), [person(str(paid.id))])
    assert_error(r, 409, "too_many_pending")
    assert _sold(db, paid.id) == 10
