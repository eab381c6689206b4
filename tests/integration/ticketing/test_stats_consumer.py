"""The stats consumer on real PostgreSQL, fed the outbox's own messages: exact counts
under duplicates within a batch, across batches, and under new message ids; and the
broker routes it exactly the events it counts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from bus.consume import Delivery, Permanent
from consumers.stats import CONSUMER, update_ticketing_stats
from consumers.tracking import TrackedWork
from contracts.topology import EXCHANGE, queue_name
from models.catalog import feedback
from models.catalog.tables import Ticket
from models.core.base import utcnow
from models.core.uow import UnitOfWork
from models.ticketing.checkin import scan as checkin
from models.ticketing.orders.cancel import cancel_order
from models.ticketing.orders.complete import complete_order
from models.ticketing.orders.expire import expire_due_orders
from models.ticketing.orders.place import AttendeeDetails, place_onsite_order, place_order
from models.ticketing.stats.service import get_event_stats
from models.ticketing.tables import Order
from producers.publisher import ConfirmingPublisher
from producers.relay import Relay
from tests.support.api import auth
from tests.support.broker import bound_keys, declare_topology, take_all
from tests.support.deliveries import routed_to


def activity(db, shop):
    """Sales, cancels (one after two of its attendees came, one inside), and scans on two
    devices: 5 sold, 3 checked in, 2 inside."""
    vip = shop.add_ticket(db, 10)
    o1 = place_onsite_order(db, shop.owner, shop.event.id, [(shop.ticket.id, 3), (vip.id, 1)])
    o2 = place_onsite_order(db, shop.owner, shop.event.id, [(shop.ticket.id, 2)])
    place_onsite_order(db, shop.owner, shop.event.id, [(vip.id, 1)])
    o3 = place_onsite_order(db, shop.owner, shop.event.id, [(vip.id, 2)])
    cancel_order(db, shop.owner, o2.order.id)
    d, e = (x.id for x in o3.attendees)
    checkin.check_in_attendee(db, shop.owner.id, d, device_name="gate-3")
    checkin.check_in_attendee(db, shop.owner.id, e, device_name="gate-3")
    checkin.check_out_attendee(db, shop.owner.id, e, device_name="exit")
    cancel_order(db, shop.owner, o3.order.id)  # after d came in and e came and left
    a, b, c = (x.id for x in o1.attendees[:3])
    checkin.check_in_attendee(db, shop.owner.id, a, device_name="gate-1")
    checkin.check_in_attendee(db, shop.owner.id, b, device_name="gate-2")
    checkin.check_in_attendee(db, shop.owner.id, b, device_name="gate-2")  # a double scan
    checkin.check_in_attendee(db, shop.owner.id, c)
    checkin.check_out_attendee(db, shop.owner.id, c, device_name="exit")
    return vip


def paid_orders(db, shop) -> Ticket:
    """Two online orders of a paid ticket: one paid (order.completed), one left unpaid
    until it expires (order.expired)."""
    paid = shop.add_ticket(db, 10, price=25, type="paid")
    kept, lapsed = (place_order(db, shop.buyer, shop.event.id,
                                [AttendeeDetails(paid.id, "Ada", "Byron")]) for _ in "ab")
    complete_order(db, shop.owner, kept.order.id)
    with db.engine.begin() as conn:
        conn.execute(update(Order).where(Order.id == lapsed.order.id)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert expire_due_orders(db, utcnow()) == 1
    return paid


def expected(shop, vip):
    return {"sold": 5, "checked_in": 3, "inside": 2,
            "tickets": {shop.ticket.id: (3, 3, 2), vip.id: (2, 0, 0)},
            "devices": {"-": 1, "gate-1": 1, "gate-2": 2, "gate-3": 2}}


def counts(db, shop) -> dict:
    v = get_event_stats(db, shop.owner, shop.event.id)
    return {"sold": v.sold, "checked_in": v.checked_in, "inside": v.inside,
            "tickets": {t.ticket_id: (t.sold, t.checked_in, t.inside) for t in v.tickets},
            "devices": {d.device_name: d.check_ins for d in v.devices}}


def kinds_counted_by_stats(db, deliveries: list[Delivery]) -> set[str]:
    """The routing keys among `deliveries` that the stats handler counts (what it does
    not count it dead-letters): each handled in order in a savepoint, all rolled back."""
    counted = set()
    with UnitOfWork(db) as uow:
        for d in deliveries:
            savepoint = uow.session.begin_nested()
            try:
                update_ticketing_stats(uow, [d])
            except Permanent:
                savepoint.rollback()
                continue
            savepoint.commit()
            counted.add(d.routing_key)
    return counted


@pytest.mark.usefixtures("rabbitmqctl_at_hand")
def test_the_broker_routes_to_the_stats_queue_exactly_the_events_the_handler_counts(
        db, shop, own_vhost):
    """The bindings as RabbitMQ holds them once the topology is declared: every kind of
    event the handler counts reaches its queue, and none it would dead-letter."""
    vip = activity(db, shop)
    paid = paid_orders(db, shop)
    feedback.create_feedback(db, shop.buyer, shop.event.id, 4)  # rating.changed: not stats'
    declare_topology(own_vhost, db.config.with_(amqp_url=own_vhost))
    publisher = ConfirmingPublisher(own_vhost)
    publisher.start()
    relay = Relay(db, publisher)
    try:
        while relay.relay_once():
            pass
    finally:
        publisher.close()
    everything = routed_to(db, "stats")
    needed = kinds_counted_by_stats(db, everything)
    # the probe tells them apart: the six ticketing kinds, not the rating
    assert "rating.changed" not in needed and len(needed) == 6

    stats = queue_name(CONSUMER.name)
    assert bound_keys(own_vhost, EXCHANGE, stats) == needed
    arrived = take_all(own_vhost, stats)
    assert sorted(d.message_id for d in arrived) == sorted(
        d.message_id for d in everything if d.routing_key in needed)
    outcomes = TrackedWork(db, CONSUMER, max_attempts=3)(arrived)
    assert {o.action for o in outcomes} == {"ack"}
    want = expected(shop, vip)  # plus the one paid order that completed, not the lapsed one
    want["sold"] += 1
    want["tickets"][paid.id] = (1, 0, 0)
    assert counts(db, shop) == want


def test_handler_counts_each_fact_once_even_with_duplicates_in_one_batch(db, shop):
    vip = activity(db, shop)
    messages = routed_to(db, "stats")
    renamed = [Delivery(**{**m.__dict__, "message_id": str(uuid.uuid4())}) for m in messages]
    with UnitOfWork(db) as uow:
        update_ticketing_stats(uow, messages + messages[::-1] + renamed)
        uow.commit()
    with UnitOfWork(db) as uow:  # a later batch redelivering everything changes nothing
        update_ticketing_stats(uow, renamed[:4] + messages[4:])
        uow.commit()
    assert counts(db, shop) == expected(shop, vip)


def test_counts_are_exact_in_any_batching_through_the_runtimes_tracking(db, shop):
    vip = activity(db, shop)
    messages = routed_to(db, "stats")
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    for i in range(0, len(messages), 3):
        assert {o.action for o in work(messages[i:i + 3])} == {"ack"}
    assert {o.action for o in work(messages)} == {"ack"}
    assert counts(db, shop) == expected(shop, vip)


def test_malformed_event_is_dead_lettered_without_losing_the_rest(db, shop):
    vip = activity(db, shop)
    messages = routed_to(db, "stats")
    bad = Delivery(**{**messages[0].__dict__, "message_id": "bad", "data": {"event_id": 1}})
    outcomes = TrackedWork(db, CONSUMER, max_attempts=3)([bad, *messages])
    assert outcomes[0].action == "dead"
    assert {o.action for o in outcomes[1:]} == {"ack"}
    assert counts(db, shop) == expected(shop, vip)


def test_stats_endpoint_serves_the_counts(client, db, shop):
    from api.auth import issue_token

    activity(db, shop)
    with UnitOfWork(db) as uow:
        update_ticketing_stats(uow, routed_to(db, "stats"))
        uow.commit()
    with client.application.test_request_context():
        owner, buyer = issue_token(shop.owner), issue_token(shop.buyer)
    r = client.get(f"/v1/events/{shop.event.id}/stats", headers=auth(owner))
    attrs = r.get_json()["data"]["attributes"]
    assert (attrs["sold"], attrs["checked-in"], attrs["inside"]) == (5, 3, 2)
    assert {d["device-name"]: d["check-ins"] for d in attrs["devices"]} == {
        "-": 1, "gate-1": 1, "gate-2": 2, "gate-3": 2}
    assert client.get(f"/v1/events/{shop.event.id}/stats",
                      headers=auth(buyer)).status_code == 403
