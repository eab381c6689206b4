"""The web frontend's list parameters: `filter=` (JSON conditions, `has`, `or`) and
`sort=`, on any list; a bad one is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.support.openevent import app_headers, session_login


def attendees(client, token, event_id, **params) -> list[str]:
    query = "&".join(f"{k}={quote(json.dumps(v) if k == 'filter' else v)}"
                     for k, v in params.items())
    r = client.get(f"/v1/events/{event_id}/attendees?page[size]=0&{query}",
                   headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    return [a["attributes"]["firstname"] for a in r.get_json()["data"]]


@pytest.mark.parametrize(("flt", "names"), [
    ([{"name": "firstname", "op": "eq", "val": "Ada"}], ["Ada"]),
    ([{"name": "firstname", "op": "ne", "val": "Ada"}], ["Grace", "Alan"]),
    ([{"name": "lastname", "op": "ilike", "val": "%OP%"}], ["Grace"]),
    ([{"name": "lastname", "op": "like", "val": "%OP%"}], []),
    ([{"name": "firstname", "op": "in", "val": ["Alan", "Ada"]}], ["Ada", "Alan"]),
    ([{"name": "email", "op": "eq", "val": None}], ["Alan"]),
    ([{"or": [{"name": "firstname", "op": "eq", "val": "Ada"},
              {"name": "firstname", "op": "eq", "val": "Alan"}]}], ["Ada", "Alan"]),
    ([{"name": "ticket", "op": "has", "val": {"name": "price", "op": "gt", "val": 10}}],
     ["Alan"]),
    ([{"name": "order", "op": "has", "val": {"name": "status", "op": "eq",
                                             "val": "completed"}},
      {"name": "is-checked-in", "op": "eq", "val": False}], ["Ada", "Grace", "Alan"]),
    ([{"name": "order", "op": "has", "val": {"name": "status", "op": "eq",
                                             "val": "cancelled"}}], []),
])
def test_filter_ops(client, door, flt, names):
    token = session_login(client, "organizer@example.com")
    assert attendees(client, token, door.event_id, filter=flt) == names


def test_sort_descending_and_ascending(client, door):
    token = session_login(client, "organizer@example.com")
    assert attendees(client, token, door.event_id, sort="-firstname") == \
        ["Grace", "Alan", "Ada"]
    assert attendees(client, token, door.event_id, sort="lastname") == \
        ["Grace", "Ada", "Alan"]


def test_filters_work_on_other_lists(client, door):
    token = session_login(client, "organizer@example.com")
    flt = quote(json.dumps([{"name": "quantity", "op": "le", "val": 100}]))
    r = client.get(f"/v1/events/{door.event_id}/tickets?filter={flt}",
                   headers=app_headers(token))
    assert [t["attributes"]["name"] for t in r.get_json()["data"]] == ["Supporter"]
    flt = quote(json.dumps([{"name": "name", "op": "ilike", "val": "fossasia%"}]))
    r = client.get(f"/v1/events?filter={flt}&sort=-starts-at")
    assert [e["id"] for e in r.get_json()["data"]] == [door.event_id]
    flt = quote(json.dumps([{"name": "amount", "op": "ge", "val": "25.50"}]))
    r = client.get(f"/v1/events/{door.event_id}/orders?filter={flt}",
                   headers=app_headers(token))
    assert [o["id"] for o in r.get_json()["data"]] == [door.order_id]


@pytest.mark.parametrize(("param", "value", "where"), [
    ("filter", "not json", "filter"),
    ("filter", json.dumps({"name": "password", "op": "eq", "val": "x"}), "/0/name"),
    ("filter", json.dumps([{"name": "firstname", "op": "regex", "val": "x"}]), "/0/op"),
    ("filter", json.dumps([{"name": "is-checked-in", "op": "eq", "val": "yes"}]), "/0/val"),
    ("filter", json.dumps([{"name": "id", "op": "eq", "val": "1; DROP TABLE"}]), "/0/val"),
    ("filter", json.dumps([{"name": "id", "op": "ilike", "val": "1%"}]), "/0/op"),
    ("filter", json.dumps([{"name": "firstname", "op": "in", "val": "Ada"}]), "/0/val"),
    ("filter", json.dumps([{"name": "order", "op": "has", "val": {"name": "secret",
                                                                  "op": "eq", "val": 1}}]),
     "/0/val/name"),
    ("filter", json.dumps([{"name": "speaker", "op": "has", "val": {}}]), "/0/name"),
    ("filter", json.dumps([{"or": []}]), "/0/or"),
    ("filter", json.dumps([17]), "/0"),
    ("filter", json.dumps([{"or": [{"or": [{"or": [{"or": [{"name": "id", "op": "eq",
                                                             "val": 1}]}]}]}]}]), "/0"),
    ("sort", "-checkin-secret", "checkin-secret"),
])
def test_bad_list_parameters_are_400_with_a_pointer(client, db, door, param, value, where):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/events/{door.event_id}/attendees?{param}={quote(value)}",
                   headers=app_headers(token))
    assert r.status_code == 400, r.get_json()
    err = r.get_json()["errors"][0]
    assert err["source"] == {"parameter": param}
    assert where in err["detail"]
