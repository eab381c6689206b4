"""An order of one ticket is two round trips: one prepared statement that confirms the
actor and reads the event, tickets and idempotency key, and one prepared statement, a
transaction by itself, that takes the units and writes everything (no BEGIN, no COMMIT).
What it folds together still holds: the actor is checked, keys belong to their user,
units given back are taken again without two holders on one unit, and an order that
cannot be placed writes nothing."""

from __future__ import annotations

from sqlalchemy import delete, select, text

from api.app import create_app
from models.accounts.tables import User
from models.ticketing.tables import Attendee, IdempotencyKey, Order
from tests.support.api import assert_error, auth, sign_up
from tests.support.orders import buy, patch_status, sold
from tests.support.outbox import count, outbox_data
from tests.support.statements import traffic
from tests.support.ticketing import onsite

# the throttle's count (models/ticketing/orders/throttle.py, issue 22 §6) is a CTE of the
# order's READ: no statement or connection of its own
ORDER_STATEMENTS = ["EXECUTE order_read", "EXECUTE order_write"]


def test_onsite_and_online_orders_are_two_round_trips(client, db, shop):
    warm = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id,
                                                             "quantity": 1}])
    assert warm.status_code == 201, warm.get_json()
    with traffic(db) as seen:
        r = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id,
                                                               "quantity": 2}])
    assert r.status_code == 201, r.get_json()
    assert (seen.round_trips, seen.checkouts) == (ORDER_STATEMENTS, 1)
    with traffic(db) as seen:
        r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2,
                **{"payment-mode": "online"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["data"]["attributes"]["status"] == "pending"
    assert (seen.round_trips, seen.checkouts) == (ORDER_STATEMENTS, 1)
    [*_, placed] = outbox_data(db, "order.placed")
    assert placed["attendee_ids"] == [int(a["id"]) for a in r.get_json()["included"]]
    assert sorted(a["attributes"]["unit"] for a in r.get_json()["included"]) == [4, 5]


def test_units_given_back_are_taken_again_never_twice(client, db, shop):
    def units_of(r) -> list[int]:
        assert r.status_code == 201, r.get_json()
        return [a["attributes"]["unit"] for a in r.get_json()["included"]]

    def sell(n: int):
        return onsite(client, shop.owner_token, shop.event_id,
                      [{"id": shop.ticket_id, "quantity": n}])

    first = sell(4)
    assert units_of(first) == [1, 2, 3, 4]
    assert units_of(sell(3)) == [5, 6, 7]
    assert patch_status(client, shop.owner_token, first.get_json()["data"]["id"],
                        "cancelled").status_code == 200
    # sold_count is 3 again, units 5 to 7 held and 1 to 4 free: the units after
    # sold_count collide, so the order is placed again in steps and fills the holes
    assert units_of(sell(2)) == [1, 2]
    assert units_of(sell(3)) == [3, 4, 8]
    assert units_of(sell(2)) == [9, 10]
    assert_error(sell(1), 409, "ticket_sold_out")
    with db.session() as s:
        held = list(s.scalars(select(Attendee.unit).where(
            Attendee.ticket_id == int(shop.ticket_id), Attendee.is_cancelled.is_(False))))
    assert sorted(held) == list(range(1, 11)) and sold(db, shop.ticket_id) == 10
    assert len(outbox_data(db, "order.placed")) == count(db, Order) == 5


def test_a_deleted_accounts_token_places_nothing(client, db, shop):
    token = sign_up(client, "gone@example.com")
    with db.engine.begin() as conn:
        conn.execute(delete(User).where(User.email == "gone@example.com"))
    r = buy(client, token, shop.event_id, shop.ticket_id, 1)
    assert_error(r, 401, "bad_token")
    r = onsite(client, token, shop.event_id, [{"id": shop.ticket_id, "quantity": 1}])
    assert_error(r, 401, "bad_token")
    assert (count(db, Order), count(db, Attendee), sold(db, shop.ticket_id)) == (0, 0, 0)
    assert outbox_data(db, "order.placed") == []


def test_a_token_revoked_by_logout_places_nothing(client, db, shop):
    """Order placement confirms the token in its own READ statement (no user lookup):
    that statement refuses a token issued before the account signed out."""
    assert buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 1).status_code == 201
    for token in (shop.buyer_token, shop.owner_token):
        assert client.post("/v1/auth/logout", headers=auth(token)).status_code == 204
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 1)
    assert_error(r, 401, "token_revoked")
    r = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id,
                                                          "quantity": 1}])
    assert_error(r, 401, "token_revoked")
    assert (count(db, Order), sold(db, shop.ticket_id)) == (1, 1)
    assert len(outbox_data(db, "order.placed")) == 1


def test_another_users_idempotency_key_never_answers_their_order(client, db, shop):
    key = {"Idempotency-Key": "order-1"}
    mine = client.post("/v1/orders", headers={**auth(shop.buyer_token), **key},
                       json=_order(shop, "Ada"))
    assert mine.status_code == 201, mine.get_json()
    thief = sign_up(client, "thief@example.com")
    theirs = client.post("/v1/orders", headers={**auth(thief), **key},
                         json=_order(shop, "Ada"))
    assert theirs.status_code == 201, theirs.get_json()
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["data"]["id"] != mine.get_json()["data"]["id"]
    secrets = {a["attributes"]["checkin-secret"] for a in mine.get_json()["included"]}
    assert not secrets & {a["attributes"]["checkin-secret"]
                          for a in theirs.get_json()["included"]}
    again = client.post("/v1/orders", headers={**auth(shop.buyer_token), **key},
                        json=_order(shop, "Ada"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["data"]["id"] == mine.get_json()["data"]["id"]
    assert count(db, Order) == 2 and sold(db, shop.ticket_id) == 2


def _order(shop, first_name: str, n: int = 1) -> dict:
    return {"data": {"type": "order", "attributes": {"attendees": [
        {"ticket-id": shop.ticket_id, "first-name": first_name, "last-name": f"L{i}",
         "email": "a@example.com"} for i in range(n)]},
        "relationships": {"event": {"data": {"type": "event", "id": shop.event_id}}}}}


def test_an_order_past_capacity_writes_nothing_not_even_its_key(client, db, shop):
    assert buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 9).status_code == 201
    before = (count(db, Order), count(db, Attendee), count(db, IdempotencyKey),
              len(outbox_data(db, "order.placed")), sold(db, shop.ticket_id))
    r = client.post("/v1/orders", headers={**auth(shop.buyer_token),
                                           "Idempotency-Key": "too-many"},
                    json=_order(shop, "Ada", 2))
    assert_error(r, 409, "ticket_sold_out")
    assert "at most 1 tickets" in r.get_json()["errors"][0]["detail"]
    assert (count(db, Order), count(db, Attendee), count(db, IdempotencyKey),
            len(outbox_data(db, "order.placed")), sold(db, shop.ticket_id)) == before
    r = client.post("/v1/orders", headers={**auth(shop.buyer_token),
                                           "Idempotency-Key": "too-many"},
                    json=_order(shop, "Ada", 1))
    assert r.status_code == 201, r.get_json()  # the key was not taken by the refusal


def test_the_apis_order_statements_are_planned_once_per_connection(base_config, client,
                                                                    db, shop):
    """The API's connections run PREPAREd statements on a generic plan from the first
    EXECUTE (models/core/db.py, api_connect_args): PostgreSQL planned every EXECUTE of
    an order afresh otherwise, a third of its CPU per order. A database without that
    setting (the tests' own) shows the difference."""
    app = create_app(base_config)  # the API as deployed: its own engines
    try:
        own = app.test_client()
        for n in (1, 2, 3):
            r = onsite(own, shop.owner_token, shop.event_id, [{"id": shop.ticket_id,
                                                               "quantity": n}])
            assert r.status_code == 201, r.get_json()
        assert plans(app.extensions["venuebus"].db) == {"order_read": (3, 0),
                                                        "order_write": (3, 0)}
    finally:
        app.extensions["venuebus"].db.dispose()
    db.dispose()  # the tests' engines: one connection, so the counts are its own
    for _ in range(3):
        r = onsite(client, shop.owner_token, shop.event_id, [{"id": shop.ticket_id,
                                                              "quantity": 1}])
        assert r.status_code == 201, r.get_json()
    assert plans(db) == {"order_read": (0, 3), "order_write": (0, 3)}


def plans(db) -> dict[str, tuple[int, int]]:
    """(generic plans, custom plans) of each order statement PREPAREd on the connection
    that placed the orders (the autocommit engine's one: requests ran one at a time)."""
    with db.autocommit_engine.connect() as conn:
        return {name: (generic, custom) for name, generic, custom in conn.execute(text(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'order_%'"))}
