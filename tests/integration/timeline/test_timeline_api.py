"""GET /v1/events/<id>/timeline: the buckets per 5 minutes, hour or day, for the owner
and staff only; a bad window is a 400 that names its parameter."""

from __future__ import annotations

from consumers.stats import CONSUMER
from tests.support.api import assert_error, auth, create_event, make_staff, sign_up
from tests.support.deliveries import handle, routed_to
from tests.support.ticketing import make_ticket, onsite
from tests.support.timeline import recount


def _sell(client, db, owner: str, event_id: str) -> None:
    ticket = make_ticket(client, owner, event_id, 20, price=10, type="paid")
    for n in (1, 2, 3):
        assert onsite(client, owner, event_id, [{"id": ticket, "quantity": n}]).status_code == 201
    handle(db, CONSUMER.handle, routed_to(db, "stats"), consumer="stats")


def test_the_owner_and_staff_read_the_buckets_a_stranger_is_refused(client, db):
    owner, staff, stranger = (sign_up(client, f"{who}@example.com")
                              for who in ("owner", "staff", "stranger"))
    event_id = create_event(client, owner)
    make_staff(client, owner, event_id, "staff@example.com", staff)
    _sell(client, db, owner, event_id)

    for token in (owner, staff):
        r = client.get(f"/v1/events/{event_id}/timeline?bucket=day", headers=auth(token))
        assert r.status_code == 200, r.get_json()
        series = r.get_json()["data"]["attributes"]["series"]
        assert [p["value"] for p in series["orders"]["completed"]] == [3.0]
        assert [p["value"] for p in series["revenue"]["completed"]] == [60.0]
    expected = sum(v for (series, key, _), v in recount(db, int(event_id)).items()
                   if series == "units" and key.endswith(":completed"))
    assert sum(p["value"] for key, points in series["units"].items() for p in points) == expected
    assert_error(client.get(f"/v1/events/{event_id}/timeline", headers=auth(stranger)), 403)
    assert_error(client.get("/v1/events/99999/timeline", headers=auth(owner)), 404)


def test_a_bad_window_is_refused_and_names_its_parameter(client, db):
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    url = f"/v1/events/{event_id}/timeline"
    for query, parameter in [("bucket=week", "bucket"), ("from=yesterday", "from"),
                             ("from=2027-03-02T00:00:00Z&to=2027-03-01T00:00:00Z", "to"),
                             ("from=2020-01-01T00:00:00Z&to=2027-01-01T00:00:00Z", "bucket")]:
        r = client.get(f"{url}?{query}", headers=auth(owner))
        assert r.status_code == 400, query
        assert r.get_json()["errors"][0]["source"] == {"parameter": parameter}, query
