"""Order placement is throttled per account and per client address, in the sign-in
throttle's store (auth_throttles): past ORDER_MAX_PER_ACCOUNT or ORDER_MAX_PER_ADDRESS
attempts in the window the answer is 429 with Retry-After, and nothing is placed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.app import create_app
from models.accounts.tables import AuthThrottle
from models.ticketing.tables import Order
from tests.integration.conftest import SERVED_ORIGIN
from tests.support.api import assert_error, auth, create_event, sign_up
from tests.support.concurrency import race
from tests.support.ticketing import make_ticket


@pytest.fixture
def app(config, db):
    return create_app(config.with_(base_url=SERVED_ORIGIN, order_max_per_account=3,
                                   order_max_per_address=5, order_window_seconds=600), db)


def _order(client, token, event_id, ticket, address="10.0.0.1"):
    return client.post("/v1/orders?onsite=true", headers=auth(token), json={"data": {
        "type": "order", "attributes": {"on-site-tickets": [{"id": ticket, "quantity": 1}]},
        "relationships": {"event": {"data": {"type": "event", "id": event_id}}}}},
        environ_base={"REMOTE_ADDR": address})


def _orders(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Order))


def test_an_account_past_its_limit_gets_429_and_places_nothing(client, db):
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 50)
    for i in range(3):  # from three addresses: the account's count is what stops it
        assert _order(client, owner, event_id, ticket, f"10.0.1.{i}").status_code == 201
    r = _order(client, owner, event_id, ticket, "10.0.1.9")
    assert_error(r, 429, "too_many_attempts")
    assert 0 < int(r.headers["Retry-After"]) <= 600
    assert _orders(db) == 3
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuthThrottle)
                        .where(AuthThrottle.key.like("order:%"))) >= 2


def test_an_address_past_its_limit_gets_429_whatever_the_account(client, db):
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 50)
    other = sign_up(client, "other@example.com")
    other_event = create_event(client, other)
    other_ticket = make_ticket(client, other, other_event, 50)
    for token, event, tk in ((owner, event_id, ticket),) * 3 + ((other, other_event,
                                                                 other_ticket),) * 2:
        assert _order(client, token, event, tk).status_code == 201
    # a fresh account at this address is refused; from another address it places
    third = sign_up(client, "third@example.com")
    third_event = create_event(client, third)
    third_ticket = make_ticket(client, third, third_event, 50)
    assert_error(_order(client, third, third_event, third_ticket), 429, "too_many_attempts")
    assert _order(client, third, third_event, third_ticket, "10.0.9.9").status_code == 201
    assert _orders(db) == 6


def test_racing_attempts_cannot_pass_the_limit(client, db, app):
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 50)
    results = race(8, lambda i: _order(app.test_client(), owner, event_id, ticket,
                                       f"10.0.2.{i}").status_code)
    assert sorted(results) == [201] * 3 + [429] * 5
    assert _orders(db) == 3


def _sell(client, token, event_id, tickets: list[str]):
    return client.post("/v1/orders?onsite=true", headers=auth(token), json={"data": {
        "type": "order", "attributes": {"on-site-tickets": [
            {"id": t, "quantity": 1} for t in tickets]},
        "relationships": {"event": {"data": {"type": "event", "id": event_id}}}}},
        environ_base={"REMOTE_ADDR": "10.0.3.1"})


@pytest.mark.parametrize("path", ["one statement", "in steps"])
def test_refused_attempts_count_as_well_on_either_path(client, db, path):
    """A sold-out attempt counts: an order of one ticket counts in its READ, which
    commits the count by itself; an order of two tickets, written in steps in one
    transaction, counts first on its own (the refusal would take back a count made in
    its transaction)."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    scarce, roomy = (make_ticket(client, owner, event_id, n) for n in (1, 50))
    order = [scarce] if path == "one statement" else [roomy, scarce]
    assert _sell(client, owner, event_id, order).status_code == 201
    for _ in range(2):
        assert_error(_sell(client, owner, event_id, order), 409, "ticket_sold_out")
    assert_error(_sell(client, owner, event_id, [roomy]), 429, "too_many_attempts")
    assert _orders(db) == 1


PROBE = """
CREATE TABLE commit_probe (id serial, tbl text, setting text);
CREATE FUNCTION commit_probe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commit_probe (tbl, setting)
    VALUES (TG_TABLE_NAME, current_setting('synchronous_commit'));
  RETURN NULL;
END $$;
CREATE TRIGGER commit_probe AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION commit_probe();
CREATE TRIGGER commit_probe AFTER INSERT OR UPDATE ON auth_throttles
  FOR EACH ROW EXECUTE FUNCTION commit_probe();
"""


def test_the_count_commits_unflushed_but_never_an_order(client, db):
    """READ's count commits without waiting for the WAL flush (throttle.UNFLUSHED); the
    order's rows are written in a transaction whose commit does wait, on the one-statement
    path (the next statement on READ's connection) and in steps (READ inside it)."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    tickets = [make_ticket(client, owner, event_id, 50) for _ in range(2)]
    with db.engine.begin() as conn:
        conn.exec_driver_sql(PROBE)
    try:
        for order in ([tickets[0]], tickets, [tickets[1]]):
            assert _sell(client, owner, event_id, order).status_code == 201
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT tbl, setting FROM commit_probe ORDER BY id").all()
        assert [s for t, s in rows if t == "orders"] == ["on"] * 3
        # each attempt counts the account's key and the address's: unflushed in READ,
        # flushed when the order in steps counts by itself (take_attempt)
        assert [s for t, s in rows if t == "auth_throttles"] == \
            ["off"] * 2 + ["on"] * 2 + ["off"] * 2
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE commit_probe; DROP TRIGGER commit_probe ON "
                                 "orders; DROP TRIGGER commit_probe ON auth_throttles; "
                                 "DROP FUNCTION commit_probe()")
