"""Badge requests take allowed usage atomically; only admins add usage."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from models.badges.tables import Badge
from models.core.outbox import OutboxMessage
from tests.support.api import auth, create_event, doc, error
from tests.support.badges import attendees_for, badge_doc, rows, usage_of, user_with_usage


def _counts(db) -> tuple[int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Badge)),
                s.scalar(select(func.count()).select_from(OutboxMessage)
                         .where(OutboxMessage.routing_key == "badge.requested")))


def test_badge_request_takes_usage_and_records_badge_requested(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(3)}))
    assert r.status_code == 202, r.get_json()
    body = r.get_json()["data"]
    assert body["attributes"]["status"] == "pending"
    assert body["attributes"]["count"] == 3
    assert r.headers["Location"] == body["links"]["self"]
    assert usage_of(db, user_id) == 7
    assert _counts(db) == (1, 1)
    got = client.get(r.headers["Location"], headers=auth(token)).get_json()["data"]
    assert got["attributes"]["progress"] == 0 and got["attributes"]["file-url"] is None


def test_csv_text_is_accepted_with_or_without_header(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    csv = "name,line-2,line-3\nAda Lovelace,Speaker,PyCon\nAlan Turing,,PyCon\n"
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"csv": csv}))
    assert r.status_code == 202
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({"csv": "Grace Hopper,Keynote,PyCon"}))
    assert r.status_code == 202
    with db.session() as s:
        made = s.scalars(select(Badge).order_by(Badge.id))
        names = [[row["name"] for row in b.rows] for b in made]
    assert names == [["Ada Lovelace", "Alan Turing"], ["Grace Hopper"]]
    assert usage_of(db, user_id) == 7


def test_not_enough_usage_is_403_with_the_number_left_and_changes_nothing(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 2)
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(3)}))
    assert r.status_code == 403
    err = error(r)
    assert err["code"] == "usage_exceeded" and "2 left" in err["detail"]
    assert usage_of(db, user_id) == 2
    assert _counts(db) == (0, 0)


def test_bad_rows_point_at_the_member_and_change_nothing(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    bad = rows(2) + [{"line-2": "no name"}]
    r = client.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": bad}))
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == "/data/attributes/rows/2/name"
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({"rows": rows(1), "template": {"paper-size": "B9"}}))
    assert error(r)["source"]["pointer"] == \
        "/data/attributes/template/paper-size"
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({"rows": rows(1), "csv": "a,b,c"}))
    assert error(r)["code"] == "one_source_required"
    assert usage_of(db, user_id) == 10 and _counts(db) == (0, 0)


def test_event_badges_are_for_its_owner_and_need_attendees(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    event_id = create_event(client, token)
    _, other = user_with_usage(client, db, "x@example.com", 10)
    r = client.post("/v1/badges", headers=auth(other),
                    json=badge_doc({}, {"event": ("event", event_id)}))
    assert r.status_code == 403 and error(r)["code"] == "not_event_owner"
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({}, {"event": ("event", event_id)}))
    assert r.status_code == 422
    err = error(r)
    assert (err["code"], err["source"]["pointer"]) == ("no_attendees",
                                                       "/data/relationships/event")
    assert usage_of(db, user_id) == 10 and _counts(db) == (0, 0)


def test_event_badges_take_one_usage_per_active_attendee(client, db):
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    event_id = create_event(client, token, "EuroPython")
    secrets = attendees_for(client, db, token, event_id,
                            ["Ada Lovelace", "Alan Turing", "Grace Hopper"], cancel=1)
    r = client.post("/v1/badges", headers=auth(token),
                    json=badge_doc({}, {"event": ("event", event_id)}))
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["data"]["relationships"]["event"]["data"]["id"] == event_id
    assert usage_of(db, user_id) == 8
    with db.session() as s:
        badge = s.scalar(select(Badge))
    assert badge.rows == [  # names split too, and the ticket: a template's lines may use them
        {"name": "Ada Lovelace", "first-name": "Ada", "last-name": "Lovelace",
         "line-2": "Full conference", "ticket": "Full conference", "line-3": "EuroPython",
         "secret": secrets["Ada Lovelace"]},
        {"name": "Grace Hopper", "first-name": "Grace", "last-name": "Hopper",
         "line-2": "Full conference", "ticket": "Full conference", "line-3": "EuroPython",
         "secret": secrets["Grace Hopper"]}]


def test_other_users_cannot_see_a_badge(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 10)
    _, other = user_with_usage(client, db, "x@example.com", 10)
    url = client.post("/v1/badges", headers=auth(token),
                      json=badge_doc({"rows": rows(1)})).headers["Location"]
    assert client.get(url, headers=auth(other)).status_code == 404
    assert client.get(url + "/file", headers=auth(other)).status_code == 404
    r = client.get(url + "/file", headers=auth(token))
    assert r.status_code == 409 and error(r)["code"] == "badge_not_ready"


def test_20_concurrent_requests_against_usage_10_accept_exactly_10(app, db):
    client = app.test_client()
    user_id, token = user_with_usage(client, db, "o@example.com", 10)
    statuses: list[int] = []
    start = threading.Barrier(20)

    def request() -> None:
        c = app.test_client()
        start.wait()
        r = c.post("/v1/badges", headers=auth(token), json=badge_doc({"rows": rows(1)}))
        statuses.append(r.status_code)

    threads = [threading.Thread(target=request) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [202] * 10 + [403] * 10
    assert usage_of(db, user_id) == 0
    assert _counts(db) == (10, 10)


def test_admin_top_up_adds_atomically_and_non_admin_gets_403(app, db):
    client = app.test_client()
    user_id, token = user_with_usage(client, db, "o@example.com", 5)
    _, admin = user_with_usage(client, db, "admin@example.com", 0, admin=True)
    url = f"/v1/admin/users/{user_id}/allowed-usage"
    body = doc("user-allowed-usage", {"allowed-usage": 3})
    r = client.post(url, headers=auth(token), json=body)
    assert r.status_code == 403 and error(r)["code"] == "admin_only"
    assert usage_of(db, user_id) == 5

    statuses: list[int] = []

    def top_up() -> None:
        statuses.append(app.test_client().post(url, headers=auth(admin), json=body).status_code)

    threads = [threading.Thread(target=top_up) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 10
    assert usage_of(db, user_id) == 35
    got = client.get(f"/v1/users/{user_id}", headers=auth(token)).get_json()
    assert got["data"]["attributes"]["allowed-usage"] == 35


def test_top_up_must_be_a_positive_integer(client, db):
    user_id, _ = user_with_usage(client, db, "o@example.com", 5)
    _, admin = user_with_usage(client, db, "admin@example.com", 0, admin=True)
    url = f"/v1/admin/users/{user_id}/allowed-usage"
    for bad in (0, -4, "7", 2.5):
        r = client.post(url, headers=auth(admin),
                        json=doc("user-allowed-usage", {"allowed-usage": bad}))
        assert r.status_code == 422, bad
        assert error(r)["source"]["pointer"] == \
            "/data/attributes/allowed-usage"
    r = client.post("/v1/admin/users/999999/allowed-usage", headers=auth(admin),
                    json=doc("user-allowed-usage", {"allowed-usage": 1}))
    assert r.status_code == 404
    assert usage_of(db, user_id) == 5
