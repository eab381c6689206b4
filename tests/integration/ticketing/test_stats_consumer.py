"""The stats consumer on real PostgreSQL, fed the outbox's own messages: exact counts
under duplicates within a batch, across batches, and under new message ids."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from consumers.runtime import Delivery
from consumers.stats import CONSUMER, update_ticketing_stats
from consumers.tracking import TrackedWork
from models.core.outbox import OutboxMessage
from models.core.uow import UnitOfWork
from models.ticketing import checkin
from models.ticketing.cancel import cancel_order
from models.ticketing.orders import place_onsite_order
from models.ticketing.stats.service import get_event_stats
from tests.support.api import auth


def outbox_deliveries(db) -> list[Delivery]:
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    out = []
    for r in rows:
        data = json.loads(r.payload)["data"]
        out.append(Delivery(message_id=r.message_id, routing_key=r.routing_key,
                            type=f"venuebus.{r.routing_key}", data=data,
                            envelope={"data": data}, headers={}, attempt=1,
                            redelivered=False))
    return out


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


def expected(shop, vip):
    return {"sold": 5, "checked_in": 3, "inside": 2,
            "tickets": {shop.ticket.id: (3, 3, 2), vip.id: (2, 0, 0)},
            "devices": {"-": 1, "gate-1": 1, "gate-2": 2, "gate-3": 2}}


def counts(db, shop) -> dict:
    v = get_event_stats(db, shop.owner, shop.event.id)
    return {"sold": v.sold, "checked_in": v.checked_in, "inside": v.inside,
            "tickets": {t.ticket_id: (t.sold, t.checked_in, t.inside) for t in v.tickets},
            "devices": {d.device_name: d.check_ins for d in v.devices}}


def test_consumer_is_bound_to_the_ticketing_events():
    assert set(CONSUMER.bindings) == {"order.placed", "order.completed", "order.expired",
                                      "order.cancelled", "attendee.checked_in",
                                      "attendee.checked_out"}


def test_handler_counts_each_fact_once_even_with_duplicates_in_one_batch(db, shop):
    vip = activity(db, shop)
    messages = outbox_deliveries(db)
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
    messages = outbox_deliveries(db)
    work = TrackedWork(db, CONSUMER, max_attempts=3)
    for i in range(0, len(messages), 3):
        assert {o.action for o in work(messages[i:i + 3])} == {"ack"}
    assert {o.action for o in work(messages)} == {"ack"}
    assert counts(db, shop) == expected(shop, vip)


def test_malformed_event_is_dead_lettered_without_losing_the_rest(db, shop):
    vip = activity(db, shop)
    messages = outbox_deliveries(db)
    bad = Delivery(**{**messages[0].__dict__, "message_id": "bad", "data": {"event_id": 1}})
    outcomes = TrackedWork(db, CONSUMER, max_attempts=3)([bad, *messages])
    assert outcomes[0].action == "dead"
    assert {o.action for o in outcomes[1:]} == {"ack"}
    assert counts(db, shop) == expected(shop, vip)


def test_stats_endpoint_serves_the_counts(client, db, shop):
    from api.auth import issue_token

    activity(db, shop)
    with UnitOfWork(db) as uow:
        update_ticketing_stats(uow, outbox_deliveries(db))
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
