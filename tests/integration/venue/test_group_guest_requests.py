"""Guest requests for a speaker group: the same link, limits, checks, modes, bans and end
as a speaker's, with the songs joining the group's own queue."""

from __future__ import annotations

from sqlalchemy import select

from models.speakers import guests
from models.speakers.tables import SpeakerGroupQueueItem, SpeakerQueueItem
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, error
from tests.support.group_api import new_group


def group(client, owner) -> str:
    return new_group(client, owner)[0]


def switch_on(client, owner, group_id, mode: str) -> str:
    r = client.post(f"/v1/speaker-groups/{group_id}/guest-requests", headers=auth(owner),
                    json={"mode": mode})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["meta"]["url"].split("/guest/", 1)[1]


def ask(client, token: str, query: str, address: str = "203.0.113.5"):
    return client.post(f"/guest/{token}/requests", json={"query": query},
                       environ_base={"REMOTE_ADDR": address})


def group_queue(db) -> list[str]:
    with db.session() as s:
        assert s.scalar(select(SpeakerQueueItem)) is None  # no member's own queue
        return list(s.scalars(select(SpeakerGroupQueueItem.query)
                              .order_by(SpeakerGroupQueueItem.id)))


def test_a_group_guest_request_joins_the_groups_queue(client, db, owner):
    token = switch_on(client, owner, group(client, owner), "auto")

    assert client.get(f"/guest/{token}").status_code == 200
    assert ask(client, token, "daft punk one more time").status_code == 201
    assert group_queue(db) == ["daft punk one more time"]


def test_approve_ban_and_the_owner_only(client, db, owner):
    group_id = group(client, owner)
    token = switch_on(client, owner, group_id, "approve")
    made = ask(client, token, "jazz piano").get_json()["data"]
    ask(client, token, "baby shark")
    base = f"/v1/speaker-groups/{group_id}"
    other = sign_up_verified(client, "other@example.com")

    assert client.post(f"{base}/guest-requests/{made['id']}/approve",
                       headers=auth(other)).status_code == 404
    assert client.post(f"{base}/guest-requests/{made['id']}/approve",
                       headers=auth(owner)).status_code == 200
    assert client.post(f"{base}/guest-bans", headers=auth(owner),
                       json={"query": "Baby Shark"}).status_code == 204
    banned = ask(client, token, "BABY SHARK", address="198.51.100.9")

    assert banned.status_code == 403 and error(banned)["code"] == "query_banned"
    assert group_queue(db) == ["jazz piano"]
    listed = client.get(f"{base}/guest-requests", headers=auth(owner)).get_json()["data"]
    assert sorted(r["attributes"]["status"] for r in listed) == ["queued", "rejected"]


def test_a_group_guest_over_the_limit_gets_429(client, db, owner):
    token = switch_on(client, owner, group(client, owner), "auto")
    for n in range(guests.PER_HOUR):
        assert ask(client, token, f"song {n}").status_code == 201

    r = ask(client, token, "one more")

    assert r.status_code == 429
    assert len(group_queue(db)) == guests.PER_HOUR


def test_a_group_guests_private_address_url_is_422(client, db, owner):
    token = switch_on(client, owner, group(client, owner), "auto")

    r = ask(client, token, "http://10.0.0.8/admin")

    assert r.status_code == 422 and group_queue(db) == []


def test_ending_group_requests_makes_the_link_404(client, db, owner):
    group_id = group(client, owner)
    token = switch_on(client, owner, group_id, "auto")

    assert client.delete(f"/v1/speaker-groups/{group_id}/guest-requests",
                         headers=auth(owner)).status_code == 204

    assert client.get(f"/guest/{token}").status_code == 404
    assert client.get(f"/guest/{token}/qr.svg").status_code == 404
    assert ask(client, token, "still here?").status_code == 404
    assert group_queue(db) == []


def test_a_request_is_decided_only_through_its_own_groups_route(client, db, owner):
    a, b = group(client, owner), group(client, owner)
    made = ask(client, switch_on(client, owner, a, "approve"), "jazz piano").get_json()["data"]
    switch_on(client, owner, b, "approve")
    r = client.post("/v1/speakers", headers=auth(owner),
                    json={"data": {"type": "speaker", "attributes": {"name": "Solo"}}})
    speaker_id = r.get_json()["data"]["id"]
    r = client.post(f"/v1/speakers/{speaker_id}/guest-requests", headers=auth(owner),
                    json={"mode": "approve"})
    solo = ask(client, r.get_json()["meta"]["url"].split("/guest/", 1)[1], "solo song",
               address="198.51.100.7").get_json()["data"]

    for group_id, request_id in ((b, made["id"]), (a, solo["id"])):
        wrong = client.post(f"/v1/speaker-groups/{group_id}/guest-requests/{request_id}"
                            "/approve", headers=auth(owner))
        assert wrong.status_code == 404
        assert error(wrong)["code"] == "guest_request_not_found"

    assert group_queue(db) == []
    listed = client.get(f"/v1/speaker-groups/{a}/guest-requests",
                        headers=auth(owner)).get_json()["data"]
    assert [r["attributes"]["status"] for r in listed] == ["pending"]
