"""/v1/speakers/<id>/queue: the queue the backend keeps, its commands, and what every change
records in the outbox (`speaker.queue_changed` and the whole queue for the device)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models.speakers.queue import MAX_QUEUE_ITEMS
from models.speakers.tables import Speaker, SpeakerQueueItem
from tests.support.api import auth, error, sign_up
from tests.support.outbox import outbox_rows

URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"




def add(client, owner, speaker_id, query, **body) -> dict:
    r = client.post(f"/v1/speakers/{speaker_id}/queue", headers=auth(owner),
                    json={"query": query, **body})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def queries(doc: dict) -> list[str]:
    return [i["attributes"]["query"] for i in doc["data"]]


def device_queues(db, speaker_id) -> list[dict]:
    return [json.loads(r.payload)["data"] for r in outbox_rows(db, f"speaker.{speaker_id}.queue")]


def test_adding_appends_or_inserts_and_records_the_change_and_the_devices_queue(
        client, db, owner, speaker_id):
    add(client, owner, speaker_id, "first song")
    add(client, owner, speaker_id, "third song")
    doc = add(client, owner, speaker_id, "second song", position=1)

    assert queries(doc) == ["first song", "second song", "third song"]
    listed = client.get(f"/v1/speakers/{speaker_id}/queue", headers=auth(owner)).get_json()
    assert queries(listed) == queries(doc) and listed["meta"]["version"] == 3
    first_id = int(doc["data"][0]["id"])
    assert listed["meta"]["current-item-id"] == first_id
    changes = [json.loads(r.payload)["data"] for r in outbox_rows(db, "speaker.queue_changed")]
    assert [(c["version"], c["change"], c["item_count"]) for c in changes] == [
        (1, "added", 1), (2, "added", 2), (3, "added", 3)]
    last = device_queues(db, speaker_id)[-1]
    assert [i["query"] for i in last["items"]] == queries(doc)
    assert last["current_item_id"] == first_id and last["start"] is False


def test_move_remove_and_clear_change_the_list(client, db, owner, speaker_id):
    for q in ("a song", "b song", "c song"):
        doc = add(client, owner, speaker_id, q)
    a, b, c = (int(i["id"]) for i in doc["data"])

    moved = client.post(f"/v1/speakers/{speaker_id}/queue/{c}/move", headers=auth(owner),
                        json={"position": 0}).get_json()
    assert queries(moved) == ["c song", "a song", "b song"]
    removed = client.delete(f"/v1/speakers/{speaker_id}/queue/{a}", headers=auth(owner))
    assert queries(removed.get_json()) == ["c song", "b song"]
    # the present item (a) went: the queue goes on with the one after it
    assert removed.get_json()["meta"]["current-item-id"] == b
    cleared = client.post(f"/v1/speakers/{speaker_id}/clear", headers=auth(owner)).get_json()
    assert cleared["data"] == [] and cleared["meta"]["current-item-id"] is None
    assert device_queues(db, speaker_id)[-1]["items"] == []


def test_next_previous_restart_and_play_item_start_the_device_at_that_item(
        client, db, owner, speaker_id):
    for q in ("a song", "b song", "c song"):
        doc = add(client, owner, speaker_id, q)
    a, b, c = (int(i["id"]) for i in doc["data"])

    def jump(path: str) -> dict:
        r = client.post(f"/v1/speakers/{speaker_id}/{path}", headers=auth(owner))
        assert r.status_code == 202, r.get_json()
        sent = device_queues(db, speaker_id)[-1]
        assert sent["start"] is True
        return sent

    assert jump("play")["current_item_id"] == a  # a play with no query plays the queue
    assert jump("next")["current_item_id"] == b
    assert jump("next")["current_item_id"] == c
    assert client.post(f"/v1/speakers/{speaker_id}/next",
                       headers=auth(owner)).status_code == 409  # repeat off: the end
    assert jump("previous")["current_item_id"] == b
    assert jump("restart")["current_item_id"] == b
    assert jump(f"queue/{a}/play")["current_item_id"] == a
    client.post(f"/v1/speakers/{speaker_id}/repeat", headers=auth(owner), json={"mode": "all"})
    assert jump("previous")["current_item_id"] == c  # repeat all wraps


def test_next_follows_the_item_the_device_reports_playing(client, db, owner, speaker_id):
    for q in ("a song", "b song", "c song"):
        doc = add(client, owner, speaker_id, q)
    _, b, c = (int(i["id"]) for i in doc["data"])
    with db.session() as s:  # the device went on to b by itself
        s.get(Speaker, int(speaker_id)).state = {"status": "playing", "queue_item_id": b}
        s.commit()

    r = client.post(f"/v1/speakers/{speaker_id}/next", headers=auth(owner))

    assert r.status_code == 202 and device_queues(db, speaker_id)[-1]["current_item_id"] == c


def test_shuffle_sends_a_play_order_and_off_restores_the_list(client, db, owner, speaker_id):
    for n in range(12):
        add(client, owner, speaker_id, f"song {n}")
    listed = [f"song {n}" for n in range(12)]

    client.post(f"/v1/speakers/{speaker_id}/shuffle", headers=auth(owner), json={"on": True})
    shuffled = [i["query"] for i in device_queues(db, speaker_id)[-1]["items"]]
    client.post(f"/v1/speakers/{speaker_id}/shuffle", headers=auth(owner), json={"on": False})
    restored = [i["query"] for i in device_queues(db, speaker_id)[-1]["items"]]

    assert sorted(shuffled) == sorted(listed) and shuffled != listed  # 1 in 12! to fail
    assert restored == listed


@pytest.mark.parametrize(("path", "body", "pointer"), [
    ("queue", {"query": "http://10.0.0.7/song.mp3"}, "/query"),
    ("queue", {"query": "  "}, "/query"),
    ("queue", {"query": "song", "position": MAX_QUEUE_ITEMS}, "/position"),
    ("queue", {"query": "song", "position": -1}, "/position"),
    ("repeat", {"mode": "sometimes"}, "/mode"),
    ("shuffle", {"on": "yes"}, "/on"),
])
def test_bad_queue_input_is_422_and_changes_nothing(client, db, owner, speaker_id, path, body,
                                                    pointer):
    before = len(outbox_rows(db))

    r = client.post(f"/v1/speakers/{speaker_id}/{path}", headers=auth(owner), json=body)

    assert r.status_code == 422 and error(r)["source"]["pointer"] == pointer
    assert len(outbox_rows(db)) == before
    with db.session() as s:
        assert s.scalar(select(SpeakerQueueItem)) is None


@pytest.mark.parametrize("position", [1, 5, MAX_QUEUE_ITEMS - 1])
def test_a_position_past_the_queues_end_is_409_and_changes_nothing(client, db, owner,
                                                                  speaker_id, position):
    """A position some queue has, but not this one as it stands: a conflict with its
    state (another remote may have just cleared it), not an input no queue takes."""
    before = len(outbox_rows(db))

    r = client.post(f"/v1/speakers/{speaker_id}/queue", headers=auth(owner),
                    json={"query": "song", "position": position})

    assert r.status_code == 409 and error(r)["code"] == "position_past_end"
    assert error(r)["source"]["pointer"] == "/position"
    assert len(outbox_rows(db)) == before


def test_another_owners_queue_is_404_and_untouched(client, db, owner, speaker_id):
    doc = add(client, owner, speaker_id, "mine")
    item = doc["data"][0]["id"]
    other = sign_up(client, "other@example.com")
    before = len(outbox_rows(db))

    for method, path, body in [
            ("get", "queue", None), ("post", "queue", {"query": "theirs"}),
            ("delete", f"queue/{item}", None), ("post", f"queue/{item}/play", None),
            ("post", f"queue/{item}/move", {"position": 0}), ("post", "next", None),
            ("post", "clear", None), ("post", "play", None)]:
        r = getattr(client, method)(f"/v1/speakers/{speaker_id}/{path}", headers=auth(other),
                                    json=body)
        assert r.status_code == 404, (path, r.status_code)
    assert len(outbox_rows(db)) == before
    assert queries(client.get(f"/v1/speakers/{speaker_id}/queue",
                              headers=auth(owner)).get_json()) == ["mine"]


def test_an_item_of_another_speaker_is_404(client, owner, speaker_id):
    r = client.post("/v1/speakers", headers=auth(owner),
                    json={"data": {"type": "speaker", "attributes": {"name": "Bar"}}})
    other_speaker = r.get_json()["data"]["id"]
    item = add(client, owner, other_speaker, "theirs")["data"][0]["id"]

    r = client.delete(f"/v1/speakers/{speaker_id}/queue/{item}", headers=auth(owner))

    assert r.status_code == 404 and error(r)["code"] == "queue_item_not_found"


def test_play_with_no_query_on_an_empty_queue_is_409(client, db, owner, speaker_id):
    r = client.post(f"/v1/speakers/{speaker_id}/play", headers=auth(owner))

    assert r.status_code == 409 and error(r)["code"] == "queue_empty"
    assert device_queues(db, speaker_id) == []
