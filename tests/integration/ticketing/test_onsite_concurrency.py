"""Capacity holds under concurrency: racing onsite orders never oversell."""

from __future__ import annotations

from sqlalchemy import func, select

from models.catalog.tables import Ticket
from models.core.errors import Conflict
from models.ticketing.orders.place import place_onsite_order
from models.ticketing.tables import Attendee, Order
from tests.support.concurrency import race


def test_fifty_onsite_orders_racing_for_the_last_ten_sell_exactly_ten(db, shop):
    ticket = shop.add_ticket(db, 30)
    place_onsite_order(db, shop.owner, shop.event.id, [(ticket.id, 10)])
    place_onsite_order(db, shop.owner, shop.event.id, [(ticket.id, 10)])

    results = race(50, lambda i: place_onsite_order(db, shop.owner, shop.event.id,
                                                    [(ticket.id, 1)]))

    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(sold) == 10
    assert len(refused) == 40 and all(isinstance(r, Conflict) for r in refused)
    assert {r.detail for r in refused} == {
        f"Ticket with id: {ticket.id} already sold out. You can buy at most 0 tickets"}
    with db.session() as s:
        assert s.get(Ticket, ticket.id).sold_count == 30
        units = sorted(s.scalars(select(Attendee.unit).where(Attendee.ticket_id == ticket.id)))
        assert units == list(range(1, 31))
        assert s.scalar(select(func.count()).select_from(Order)) == 12


def test_racing_orders_of_two_tickets_in_opposite_order_do_not_deadlock(db, shop):
    a, b = shop.add_ticket(db, 40), shop.add_ticket(db, 40)

    def order(i: int):
        pair = [(a.id, 1), (b.id, 1)] if i % 2 else [(b.id, 1), (a.id, 1)]
        return place_onsite_order(db, shop.owner, shop.event.id, pair)

    results = race(30, order)
    assert not [r for r in results if isinstance(r, Exception)]
    with db.session() as s:
        assert s.get(Ticket, a.id).sold_count == 30 and s.get(Ticket, b.id).sold_count == 30
