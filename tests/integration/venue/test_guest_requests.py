"""Guest requests: the owner's link, guests with no account, and every edge a guest can
push on: the hourly limit (429), a private-address URL (422), a banned song (403), too
many waiting (409), and an ended link (404)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.speakers import guests
from models.speakers.tables import GuestRequest, SpeakerQueueItem
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, error


def switch_on(client, owner, speaker_id, mode: str = "approve") -> str:
    r = client.post(f"/v1/speakers/{speaker_id}/guest-requests", headers=auth(owner),
                    json={"mode": mode})
    assert r.status_code == 200, r.get_json()
    meta = r.get_json()["meta"]
    assert meta["open"] and meta["mode"] == mode and meta["qr-url"].endswith("/qr.svg")
    return meta["url"].split("/guest/", 1)[1]


def ask(client, token: str, query: str, address: str = "203.0.113.5"):
    return client.post(f"/guest/{token}/requests", json={"query": query},
                       environ_base={"REMOTE_ADDR": address})


def queued(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(SpeakerQueueItem.query).order_by(SpeakerQueueItem.id)))


def test_auto_mode_puts_a_guests_song_in_the_queue(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "auto")

    page = client.get(f"/guest/{token}")
    r = ask(client, token, "daft punk one more time")

    assert page.status_code == 200 and b"Request a song" in page.data
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["status"] == "queued"
    assert queued(db) == ["daft punk one more time"]


def test_approve_mode_waits_for_the_owner(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "approve")
    made = ask(client, token, "jazz piano").get_json()["data"]
    rejected = ask(client, token, "polka").get_json()["data"]
    assert queued(db) == []

    listed = client.get(f"/v1/speakers/{speaker_id}/guest-requests", headers=auth(owner))
    assert [r["attributes"]["status"] for r in listed.get_json()["data"]] == ["pending"] * 2
    base = f"/v1/speakers/{speaker_id}/guest-requests"
    assert client.post(f"{base}/{made['id']}/approve", headers=auth(owner)).status_code == 200
    assert client.post(f"{base}/{rejected['id']}/reject", headers=auth(owner)).status_code == 200
    again = client.post(f"{base}/{made['id']}/reject", headers=auth(owner))

    assert again.status_code == 409 and queued(db) == ["jazz piano"]


def test_a_guest_over_the_hourly_limit_gets_429_and_adds_nothing(client, db, owner,
                                                                speaker_id):
    token = switch_on(client, owner, speaker_id, "auto")
    for n in range(guests.PER_HOUR):
        assert ask(client, token, f"song {n}").status_code == 201

    r = ask(client, token, "one more")

    assert r.status_code == 429 and r.headers.get("Retry-After")
    assert len(queued(db)) == guests.PER_HOUR


def test_a_new_cookie_does_not_lift_the_limit_of_the_address(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "auto")
    for n in range(guests.PER_HOUR):
        client.delete_cookie("vb_guest", path="/guest/")
        assert ask(client, token, f"song {n}").status_code == 201

    client.delete_cookie("vb_guest", path="/guest/")
    assert ask(client, token, "one more").status_code == 429
    client.delete_cookie("vb_guest", path="/guest/")  # another guest, another address
    assert ask(client, token, "from elsewhere", address="198.51.100.7").status_code == 201


def test_waiting_requests_are_capped_per_guest(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "approve")
    for n in range(guests.MAX_PENDING):
        assert ask(client, token, f"song {n}").status_code == 201

    r = ask(client, token, "one too many")

    assert r.status_code == 409 and error(r)["code"] == "too_many_pending"


@pytest.mark.parametrize("query", ["http://192.168.1.1/song.mp3", "http://169.254.169.254/latest/meta-data",
                                   "http://10.0.0.8/admin"])
def test_a_private_address_url_is_422_and_recorded_nowhere(client, db, owner, speaker_id,
                                                           query):
    token = switch_on(client, owner, speaker_id, "auto")

    r = ask(client, token, query)

    assert r.status_code == 422 and error(r)["source"]["pointer"] == "/query"
    with db.session() as s:
        assert s.scalar(select(GuestRequest)) is None
    assert queued(db) == []


def test_a_banned_song_is_refused(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "approve")
    ask(client, token, "Baby  Shark")
    r = client.post(f"/v1/speakers/{speaker_id}/guest-bans", headers=auth(owner),
                    json={"query": "baby shark"})
    assert r.status_code == 204

    again = ask(client, token, "BABY SHARK", address="198.51.100.9")

    assert again.status_code == 403 and error(again)["code"] == "query_banned"
    listed = client.get(f"/v1/speakers/{speaker_id}/guest-requests", headers=auth(owner))
    assert [r["attributes"]["status"] for r in listed.get_json()["data"]] == ["rejected"]


def test_ending_requests_makes_the_old_link_404(client, db, owner, speaker_id):
    token = switch_on(client, owner, speaker_id, "auto")

    assert client.delete(f"/v1/speakers/{speaker_id}/guest-requests",
                         headers=auth(owner)).status_code == 204

    assert client.get(f"/guest/{token}").status_code == 404
    assert client.get(f"/guest/{token}/qr.svg").status_code == 404
    assert ask(client, token, "still here?").status_code == 404
    assert switch_on(client, owner, speaker_id) != token  # a new link, never the old one
    assert queued(db) == []


def test_another_owner_cannot_see_or_switch_requests(client, db, owner, speaker_id):
    other = sign_up_verified(client, "other@example.com")
    base = f"/v1/speakers/{speaker_id}/guest-requests"

    assert client.post(base, headers=auth(other), json={"mode": "auto"}).status_code == 404
    assert client.get(base, headers=auth(other)).status_code == 404
    assert client.delete(base, headers=auth(other)).status_code == 404
