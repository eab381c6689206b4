"""Every time field of every list is filtered with eq, ge and le on ISO 8601 values (with
`Z`, with an offset naming the same instant, without a zone meaning UTC) and sorted both
ways. Each field's times are set apart from the rows' id order, so a filter or a sort on
the wrong column (an order's completed-at once read created_at) fails here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from api.list_query import FILTERABLE
from tests.support.api import auth, create_event, doc, sign_up
from tests.support.ticketing import make_ticket, onsite

BASE = datetime(2027, 3, 1, 9, tzinfo=UTC)
RANK = [1, 2, 0]  # each field's rank of the first, second, third row by id
# resource type -> (table, {field: column})

TIME_FIELDS = {
    "event": ("events", {"starts-at": "starts_at", "ends-at": "ends_at",
                         "created-at": "created_at"}),
    "ticket": ("tickets", {"sales-starts-at": "sales_starts_at",
                           "sales-ends-at": "sales_ends_at"}),
    "order": ("orders", {"created-at": "created_at", "completed-at": "completed_at",
                         "cancelled-at": "cancelled_at", "expires-at": "expires_at",
                         "expired-at": "expired_at"}),
    "feedback": ("feedbacks", {"created-at": "created_at", "updated-at": "updated_at"}),
}


def test_every_time_field_a_list_filters_on_is_tested_here():
    for type_, spec in FILTERABLE.items():
        times = {name for name, column in spec.fields.items()
                 if column.type.python_type is datetime}
        assert times == set(TIME_FIELDS.get(type_, ("", {}))[1]), type_


def at(field_no: int, rank: int) -> datetime:
    """Later fields of a row are later (events end after they start)."""
    return BASE + timedelta(hours=10 * field_no + rank)


def three_of(client, db, type_: str) -> tuple[str, str, list[str]]:
    """(owner token, list URL, ids of three `type_` rows in id order)."""
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    if type_ == "event":
        ids = [event_id] + [create_event(client, owner, f"E{i}") for i in (1, 2)]
        return owner, "/v1/events", ids
    if type_ == "ticket":
        ids = [make_ticket(client, owner, event_id, q) for q in (5, 6, 7)]
        return owner, f"/v1/events/{event_id}/tickets", ids
    if type_ == "order":
        ticket = make_ticket(client, owner, event_id, 5)
        ids = [onsite(client, owner, event_id, [{"id": ticket, "quantity": 1}])
               .get_json()["data"]["id"] for _ in range(3)]
        return owner, f"/v1/events/{event_id}/orders", ids
    ids = []
    for i in range(3):
        token = sign_up(client, f"fan{i}@example.com")
        r = client.post("/v1/feedbacks", headers=auth(token), json=doc(
            "feedback", {"rating": i + 1}, {"event": ("event", event_id)}))
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["data"]["id"])
    return owner, f"/v1/events/{event_id}/feedbacks", ids


def listed(client, token: str, url: str, **params: str) -> list[str]:
    r = client.get(url, headers=auth(token), query_string={"page[size]": "0", **params})
    assert r.status_code == 200, r.get_json()
    return [res["id"] for res in r.get_json()["data"]]


@pytest.mark.parametrize("type_", list(TIME_FIELDS))
def test_each_time_field_filters_with_eq_ge_le_and_sorts(client, db, type_):
    token, url, ids = three_of(client, db, type_)
    table, fields = TIME_FIELDS[type_]
    with db.engine.begin() as conn:
        for field_no, column in enumerate(fields.values()):
            for row_id, rank in zip(ids, RANK, strict=True):
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :at WHERE id = :id"),
                             {"at": at(field_no, rank), "id": int(row_id)})
    by_rank = [ids[RANK.index(r)] for r in range(3)]
    for field_no, name in enumerate(fields):
        middle = at(field_no, 1)

        def where(op: str, value: str, name=name) -> list[str]:
            flt = json.dumps([{"name": name, "op": op, "val": value}])
            return sorted(listed(client, token, url, filter=flt), key=int)

        assert where("eq", middle.isoformat().replace("+00:00", "Z")) == [by_rank[1]], name
        plus_two = middle.astimezone(timezone(timedelta(hours=2))).isoformat()
        assert where("ge", plus_two) == sorted(by_rank[1:], key=int), name
        assert where("le", middle.replace(tzinfo=None).isoformat()) == \
            sorted(by_rank[:2], key=int), name
        assert listed(client, token, url, sort=name) == by_rank, name
        assert listed(client, token, url, sort=f"-{name}") == by_rank[::-1], name
