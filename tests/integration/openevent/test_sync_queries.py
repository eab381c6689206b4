"""The app's attendee sync answers in a number of SQL statements that does not grow with
the number of attendees (include=order,ticket,event&page[size]=0): 5,000 attendees over
50 orders and two tickets, some checked in, cost what 50 do. The time it takes is
printed (run with -s), not asserted: timing belongs in bench/."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import event

from models.accounts.users import create_user
from models.catalog import events as catalog
from models.ticketing.checkin.scan import check_in_attendee
from models.ticketing.orders.place import place_onsite_order
from tests.support.openevent import app_headers, session_login

SYNC = ("/v1/events/{}/attendees?include=order,ticket,event&fields[event]=id"
        "&fields[ticket]=id&page[size]=0")
ORDERS = 50


def sell(db, owner, event_id: int, tickets, attendees: int) -> list[int]:
    """`attendees` more attendees over ORDERS on-site orders; the first of each checked in."""
    per_order = attendees // ORDERS
    ids = []
    for n in range(ORDERS):
        ticket = tickets[n % len(tickets)]
        placed = place_onsite_order(db, owner, event_id, [(ticket.id, per_order)])
        check_in_attendee(db, owner.id, placed.attendees[0].id, device_name=f"door-{n}")
        ids += [a.id for a in placed.attendees]
    return ids


def sync(client, db, token: str, event_id: int) -> tuple[list[str], dict, float]:
    seen: list[str] = []

    def record(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        started = time.perf_counter()
        r = client.get(SYNC.format(event_id), headers=app_headers(token))
        elapsed = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert r.status_code == 200, r.get_json()
    return seen, r.get_json(), elapsed


def test_sync_statements_do_not_grow_with_attendees(client, db):
    owner = create_user(db, "organizer@example.com", "password123")
    event_ = catalog.create_event(db, owner, {
        "name": "Big", "starts_at": datetime(2027, 3, 1, 9, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 2, 18, tzinfo=UTC)})
    tickets = [catalog.create_ticket(db, owner, event_.id, {
        "name": name, "quantity": 10_000, "max_order": 10_000}) for name in ("A", "B")]
    token = session_login(client, "organizer@example.com")

    sell(db, owner, event_.id, tickets, 50)
    small, body, _ = sync(client, db, token, event_.id)
    assert len(body["data"]) == 50

    sell(db, owner, event_.id, tickets, 4_950)
    big, body, elapsed = sync(client, db, token, event_.id)
    assert len(body["data"]) == 5_000
    assert len({i["id"] for i in body["included"] if i["type"] == "order"}) == 2 * ORDERS
    assert sum(a["attributes"]["is-checked-in"] for a in body["data"]) == 2 * ORDERS
    assert len(big) == len(small), (small, big)
    print(f"\n5,000-attendee sync: {len(big)} statements, {elapsed * 1000:.0f} ms")
