"""A pending order holds its units until `expires-at`, then gives back its units,
discount uses and attendees exactly once, with one `order.expired`."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from models.core.base import utcnow
from models.ticketing.orders.expire import ExpiryLoop, expire_due_orders
from models.ticketing.tables import Attendee, DiscountCode
from tests.support.api import auth, doc
from tests.support.concurrency import race
from tests.support.orders import buy, make_due, order_row, outbox, sold
from tests.support.processes import processes, wait_until


def discount(client, shop) -> None:
    body = doc("discount-code", {"code": "HALF", "used-for": "event", "type": "percent",
                                 "value": 50, "tickets-number": 5},
               {"event": ("event", shop.event_id)})
    r = client.post("/v1/discount-codes", headers=auth(shop.owner_token), json=body)
    assert r.status_code == 201, r.get_json()


def uses(db) -> int:
    with db.session() as s:
        return s.scalar(select(DiscountCode.used_count))


def test_a_pending_order_holds_its_units_then_expires_once(client, db, shop):
    discount(client, shop)
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 3,
            **{"discount-code": "HALF"})
    assert r.status_code == 201, r.get_json()
    oid = int(r.get_json()["data"]["id"])
    expires_at = order_row(db, oid).expires_at
    assert (sold(db, shop.ticket_id), uses(db)) == (3, 3)

    assert expire_due_orders(db, expires_at - timedelta(seconds=1)) == 0  # not yet due
    assert order_row(db, oid).status == "pending" and sold(db, shop.ticket_id) == 3

    # two loops at once, then a third run: one of them expires it, the others find nothing
    done = race(2, lambda _: expire_due_orders(db, expires_at))
    assert sorted(done) == [0, 1], done
    assert expire_due_orders(db, expires_at + timedelta(hours=1)) == 0

    order = order_row(db, oid)
    assert order.status == "expired" and order.expired_at is not None
    assert (sold(db, shop.ticket_id), uses(db)) == (0, 0)
    with db.session() as s:
        attendees = s.scalars(select(Attendee).where(Attendee.order_id == oid)).all()
    assert len(attendees) == 3
    assert all(a.is_cancelled and a.unit is None for a in attendees)
    expired = outbox(db, "order.expired")
    assert len(expired) == 1 and expired[0]["order_id"] == oid
    assert expired[0]["lines"] == [{"ticket_id": int(shop.ticket_id), "quantity": 3,
                                    "checked_in": 0, "inside": 0}]
    # the units are on sale again: ten more fit the ticket's ten
    assert buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 10).status_code == 201


def test_many_due_orders_racing_loops_expire_each_exactly_once(client, db, shop):
    ids = [int(buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
               .get_json()["data"]["id"]) for _ in range(5)]
    for oid in ids:
        make_due(db, oid)
    done = race(4, lambda _: expire_due_orders(db, utcnow(), limit=100))
    assert sum(done) == 5, done
    assert sold(db, shop.ticket_id) == 0
    assert sorted(e["order_id"] for e in outbox(db, "order.expired")) == ids


def test_the_loop_wakes_for_a_due_order_and_stops_when_asked(client, db, shop):
    oid = int(buy(client, shop.buyer_token, shop.event_id, shop.ticket_id)
              .get_json()["data"]["id"])
    loop = ExpiryLoop(db, poll_interval=0.2)
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        make_due(db, oid)
        wait_until(lambda: order_row(db, oid).status == "expired", 20, what="expiry")
    finally:
        loop.stop()
        thread.join(10)
    assert not thread.is_alive() and loop.expired == 1


def test_venuebus_expire_orders_process_expires_due_orders(client, db, shop, database_url,
                                                          tmp_path):
    oid = int(buy(client, shop.buyer_token, shop.event_id, shop.ticket_id)
              .get_json()["data"]["id"])
    make_due(db, oid)
    with processes({"DATABASE_URL": database_url}, tmp_path) as group:
        proc = group.start("expire-orders", "--poll-interval", "0.2",
                           ready="expire-orders running")
        wait_until(lambda: order_row(db, oid).status == "expired", 30, what="expiry")
        assert proc.terminate() == 0
    assert "1 expired" in proc.output()
    assert sold(db, shop.ticket_id) == 0


def test_venuebus_run_starts_the_expiry_loop_like_the_relay():
    from cli.supervisor import plan
    from models.core.config import Config

    children = {c.name: c.args for c in plan(Config(smtp_url="smtp://x:25"), workers=1)}
    assert children["expire-orders"] == ["expire-orders"] and "relay" in children


def test_expiry_runs_on_sqlite_too(tmp_path):
    from api.app import create_app
    from models.core.config import Config
    from models.core.migrate import upgrade
    from tests.support.api import create_event, sign_up
    from tests.support.ticketing import make_ticket

    url = f"sqlite:///{tmp_path}/expiry.db"
    upgrade(url)
    app = create_app(Config(database_url=url, secret_key="s" * 40))
    client, db = app.test_client(), app.extensions["venuebus"].db
    try:
        owner = sign_up(client, "owner@example.com")
        event_id = create_event(client, owner)
        ticket = make_ticket(client, owner, event_id, 5, price=10, type="paid")
        oid = int(buy(client, owner, event_id, ticket, 2).get_json()["data"]["id"])
        assert sold(db, ticket) == 2
        make_due(db, oid)
        assert expire_due_orders(db, utcnow()) == 1
        assert expire_due_orders(db, utcnow()) == 0
        assert (order_row(db, oid).status, sold(db, ticket)) == ("expired", 0)
        assert len(outbox(db, "order.expired")) == 1
    finally:
        db.dispose()
