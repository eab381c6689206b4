"""The stats consumer counts orders, units and amounts by state and the revenue, moving
an order between states as it completes, expires or is cancelled; messages from before
the lifecycle (no status) count as completed orders."""

from __future__ import annotations

import json

from sqlalchemy import select

from bus.consume import Delivery
from consumers.stats import CONSUMER
from consumers.tracking import TrackedWork
from models.core.base import utcnow
from models.core.outbox import OutboxMessage
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.stats.service import Deltas, collect
from tests.support.api import auth
from tests.support.orders import buy, make_due, patch_status
from tests.support.ticketing import onsite


def outbox_deliveries(db) -> list[Delivery]:
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)
                         .where(OutboxMessage.routing_key != "user.signed_up")).all()
    return [Delivery(message_id=r.message_id, routing_key=r.routing_key,
                     type=f"venuebus.{r.routing_key}", data=json.loads(r.payload)["data"],
                     envelope=json.loads(r.payload), headers={}, attempt=1, redelivered=False)
            for r in rows]


def order_id(r) -> str:
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]["id"]


def test_stats_show_orders_units_and_amounts_by_state_and_the_revenue(client, db, shop):
    owner, buyer, ev, t = shop.owner_token, shop.buyer_token, shop.event_id, shop.ticket_id
    paid = order_id(buy(client, buyer, ev, t, 2))                        # pending -> completed
    order_id(buy(client, buyer, ev, t, 1))                               # stays pending
    late = order_id(buy(client, buyer, ev, t, 1))                        # pending -> expired
    order_id(buy(client, buyer, ev, t, 1, **{"payment-mode": "bank"}))  # stays placed
    dropped = order_id(buy(client, buyer, ev, t, 2, **{"payment-mode": "cheque"}))
    order_id(onsite(client, owner, ev, [{"id": t, "quantity": 1}]))      # completed at once
    assert patch_status(client, owner, paid, "completed").status_code == 200
    assert patch_status(client, owner, dropped, "cancelled").status_code == 200
    make_due(db, int(late))
    assert expire_due_orders(db, utcnow()) == 1

    messages = outbox_deliveries(db)
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    # in two batches, the second redelivering the first: each fact counts once
    assert {o.action for o in work(messages[:5])} == {"ack"}
    assert {o.action for o in work(messages)} == {"ack"}

    r = client.get(f"/v1/events/{ev}/stats", headers=auth(owner))
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["orders"] == {
        "pending": {"orders": 1, "units": 1, "amount": 25.0},
        "placed": {"orders": 1, "units": 1, "amount": 25.0},
        "completed": {"orders": 2, "units": 3, "amount": 75.0},
        "expired": {"orders": 1, "units": 1, "amount": 25.0},
        "cancelled": {"orders": 1, "units": 2, "amount": 50.0},
    }
    assert attrs["revenue"] == 75.0
    assert attrs["sold"] == 5  # units held: pending 1 + placed 1 + completed 3


def test_messages_from_before_the_lifecycle_count_as_completed_orders():
    deltas = Deltas()
    lines = [{"ticket_id": 3, "quantity": 2}]
    collect(deltas, "order.placed", {"event_id": 1, "order_id": 9, "amount": "20.00",
                                     "lines": lines})
    collect(deltas, "order.cancelled", {"event_id": 1, "order_id": 9, "lines": lines})
    completed, cancelled = deltas.states[(1, "completed")], deltas.states[(1, "cancelled")]
    assert (completed["orders"], completed["units"]) == (0, 0)
    assert (cancelled["orders"], cancelled["units"]) == (1, 2)
    assert deltas.events[1]["sold"] == 0
