"""Reads with a bound, played as an attacker: an anonymous `include=tickets` on an event
with more tickets than an answer may carry, a list asking for more rows than a page, an
organizer adding tickets past MAX_TICKETS_PER_EVENT. Each is a 4xx naming what to do
instead (page through the relationship), never an answer of megabytes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from api.app import create_app
from api.jsonapi import includes
from models.core.config import Config
from tests.support.api import assert_error, auth, create_event, sign_up
from tests.support.snapshot import database_rows, refused
from tests.support.ticketing import make_ticket, onsite

CAP = includes.MAX_INCLUDED_ROWS


def add_tickets(db, event_id: str, n: int, *, hidden: bool = False) -> None:
    """`n` tickets written straight into the table, as an event made before the cap has."""
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO tickets (event_id, name, type, price, quantity, sold_count, "
            "min_order, max_order, is_hidden) VALUES (:e, 'T', 'free', 0, 1, 0, 1, 1, :h)"),
            [{"e": int(event_id), "h": hidden}] * n)


def test_including_more_tickets_than_the_cap_is_400_pointing_to_the_paged_list(client, db):
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    add_tickets(db, event_id, CAP + 1)
    for headers in ({}, auth(owner)):
        r = client.get(f"/v1/events/{event_id}?include=tickets", headers=headers)
        err = assert_error(r, 400, "too_many_rows")
        assert err["source"] == {"parameter": "include"}
        assert f"/v1/events/{event_id}/tickets" in err["detail"]
    r = client.get(f"/v1/events/{event_id}/tickets?page[size]=500&page[number]=3")
    assert r.status_code == 200 and len(r.get_json()["data"]) == 1
    assert r.get_json()["meta"]["count"] == CAP + 1


def test_up_to_the_cap_an_include_is_whole_and_hidden_tickets_do_not_count(client, db):
    """The anonymous reader's cap counts only what they may see: hidden tickets past it
    neither cut their list short nor push it over."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    add_tickets(db, event_id, 3, hidden=True)
    add_tickets(db, event_id, CAP)
    r = client.get(f"/v1/events/{event_id}?include=tickets")
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()["data"]["relationships"]["tickets"]["data"]) == CAP
    assert len(r.get_json()["included"]) == CAP
    assert_error(client.get(f"/v1/events/{event_id}?include=tickets", headers=auth(owner)),
                 400, "too_many_rows")  # the owner sees the hidden three too


def test_a_list_of_events_cannot_include_their_tickets_past_the_cap(client, db):
    owner = sign_up(client, "owner@example.com")
    for name in ("A", "B"):
        add_tickets(db, create_event(client, owner, name), CAP // 2 + 1)
    r = client.get("/v1/events?include=tickets")
    assert_error(r, 400, "too_many_rows")


def test_every_to_many_include_has_the_cap(client, db, monkeypatch):
    """An order's attendees (rendered with the order) are capped as an event's tickets
    (loaded apart) are."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 5)
    order_id = onsite(client, owner, event_id, [{"id": ticket, "quantity": 4}]
                      ).get_json()["data"]["id"]
    make_ticket(client, owner, event_id, 6)
    monkeypatch.setattr(includes, "MAX_INCLUDED_ROWS", 3)
    r = client.get(f"/v1/orders/{order_id}?include=attendees", headers=auth(owner))
    assert_error(r, 400, "too_many_rows")
    r = client.get(f"/v1/events/{event_id}?include=tickets", headers=auth(owner))
    assert r.status_code == 200 and len(r.get_json()["included"]) == 2  # under it
    r = client.get(f"/v1/events/{event_id}/attendees?include=order", headers=auth(owner))
    assert r.status_code == 200  # one order: a to-one include, under the cap


def test_tickets_per_event_are_capped(config, db):
    assert Config().max_tickets_per_event == Config.from_env({}).max_tickets_per_event == 1000
    assert Config.from_env({"MAX_TICKETS_PER_EVENT": "7"}).max_tickets_per_event == 7
    client = create_app(config.with_(max_tickets_per_event=2), db).test_client()
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    make_ticket(client, owner, event_id, 1)
    make_ticket(client, owner, event_id, 2)
    before = database_rows(db)
    r = client.post("/v1/tickets", headers=auth(owner), json={"data": {
        "type": "ticket", "attributes": {"name": "Third", "quantity": 1},
        "relationships": {"event": {"data": {"type": "event", "id": event_id}}}}})
    err = refused(SimpleNamespace(db=db), before, r, 409, "too_many_tickets")
    assert "at most 2 tickets" in err["detail"]
    other = create_event(client, owner, "Other")  # the cap is per event
    make_ticket(client, owner, other, 1)


@pytest.mark.parametrize("size", ["501", "-1", "x"])
def test_a_page_larger_than_the_cap_is_400(client, db, size):
    r = client.get(f"/v1/events?page[size]={size}")
    assert assert_error(r, 400, "invalid_page_parameter")["source"] == \
        {"parameter": "page[size]"}
