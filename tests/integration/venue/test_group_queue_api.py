"""A group's own queue: its list as a speaker's, every song sent as one group play with a
start time ahead, and the queue moved on once when members report the song ended,
however many members report it and however often."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bus.consume import Delivery
from consumers.speakers import CONSUMER
from consumers.tracking import TrackedWork
from models.core.config import Config
from models.speakers.identity import broker_user
from tests.support.api import auth, error
from tests.support.outbox import outbox_data
from tests.support.speaker_identity import RUN_PREFIX
from tests.support.statements import executed


def speaker(client, token: str, name: str = "Hall") -> int:
    r = client.post("/v1/speakers", headers=auth(token),
                    json={"data": {"type": "speaker", "attributes": {"name": name}}})
    return int(r.get_json()["data"]["id"])


def make_group(client, token: str, speakers: list, name: str = "Main hall"):
    return client.post("/v1/speaker-groups", headers=auth(token), json={"data": {
        "type": "speaker-group", "attributes": {"name": name, "speakers": speakers}}})


def state(speaker_id: int, status: str, at: datetime, sequence: int = 1,
          extra: dict | None = None) -> Delivery:
    """A state the device itself reported."""
    data = {"speaker_id": str(speaker_id), "status": status, "title": "Song", "query": "q",
            "source_url": None, "position_ms": 0, "duration_ms": 3000, "volume": 80,
            "error": None, "command_id": "c", "sequence": sequence,
            "reported_at": at.isoformat(), **(extra or {})}
    return Delivery(message_id=str(uuid.uuid4()), routing_key=f"speaker.{speaker_id}.state",
                    type="venuebus.speaker.state", data=data, envelope={"data": data},
                    headers={}, attempt=1, redelivered=False,
                    received_at=datetime.now(UTC).timestamp(),
                    publisher=broker_user(Config(speaker_user_prefix=RUN_PREFIX), speaker_id))


def group_of_two(client, owner) -> tuple[str, list[int]]:
    members = [speaker(client, owner), speaker(client, owner, "Bar")]
    return make_group(client, owner, members).get_json()["data"]["id"], members


def add(client, owner, group_id, query: str, **extra):
    return client.post(f"/v1/speaker-groups/{group_id}/queue", headers=auth(owner),
                       json={"query": query, **extra})


def plays(db, group_id) -> list[dict]:
    return outbox_data(db, f"speaker_group.{group_id}.play")


def started(client, db, owner, queries=("one", "two")) -> tuple[str, list[int], dict,
                                                                TrackedWork]:
    """A group of two playing its queue of `queries`: its id, members, first play, and
    the speakers consumer's work."""
    group_id, members = group_of_two(client, owner)
    for query in queries:
        add(client, owner, group_id, query)
    client.post(f"/v1/speaker-groups/{group_id}/play", headers=auth(owner))
    [first] = plays(db, group_id)
    return group_id, members, first, TrackedWork(db, CONSUMER, max_attempts=3)


def ended(speaker_id: int, play: dict, sequence: int = 5):
    return state(speaker_id, "idle", datetime.now(UTC), sequence=sequence,
                 extra={"group_play_id": play["command_id"]})


def test_the_group_queue_lists_inserts_and_plays_from_its_present_song(client, db, owner):
    group_id, _ = group_of_two(client, owner)
    for query in ("one", "three"):
        assert add(client, owner, group_id, query).status_code == 201
    r = add(client, owner, group_id, "two", position=1)
    items = r.get_json()["data"]
    assert [i["attributes"]["query"] for i in items] == ["one", "two", "three"]
    assert {i["type"] for i in items} == {"group-queue-item"}

    played = client.post(f"/v1/speaker-groups/{group_id}/play", headers=auth(owner))

    assert played.status_code == 202
    [play] = plays(db, group_id)
    assert play["query"] == "one" and play["group_item_id"] == int(items[0]["id"])
    assert play["prefetch"] == "two" and play["group_id"] == int(group_id)
    ahead = datetime.fromisoformat(play["start_at"]) - datetime.fromisoformat(play["issued_at"])
    assert 0.3 < ahead.total_seconds() < 0.6
    changes = [c["change"] for c in outbox_data(db, "speaker_group.queue_changed")]
    assert changes == ["added", "added", "added", "jumped"]
    got = client.get(f"/v1/speaker-groups/{group_id}/queue", headers=auth(owner)).get_json()
    assert got["meta"]["playing-item-id"] == int(items[0]["id"])


def test_the_first_member_reporting_the_end_moves_the_queue_on_once(client, db, owner):
    group_id, (a, b), first, work = started(client, db, owner)

    work([ended(a, first)])
    work([ended(b, first), ended(a, first, sequence=6)])  # the other, and a's heartbeat

    [_, second] = plays(db, group_id)
    assert second["query"] == "two" and second["start_at"]
    work([ended(a, second), ended(b, second)])  # the end of the queue: nothing follows
    assert len(plays(db, group_id)) == 2
    changes = [c["change"] for c in outbox_data(db, "speaker_group.queue_changed")]
    assert changes[-2:] == ["advanced", "ended"]


def test_a_stopped_member_or_a_superseded_play_moves_nothing(client, db, owner):
    group_id, (a, _), first, work = started(client, db, owner, ("one", "two", "three"))

    work([state(a, "stopped", datetime.now(UTC), extra={"group_play_id": first["command_id"]})])
    assert len(plays(db, group_id)) == 1
    assert client.post(f"/v1/speaker-groups/{group_id}/next",
                       headers=auth(owner)).status_code == 202
    work([ended(a, first, sequence=7)])  # the old song's end, after the owner's next

    assert [p["query"] for p in plays(db, group_id)] == ["one", "two"]


def test_group_queue_commands_play_on_every_member_and_repeat_one_replays(client, db, owner):
    group_id, (a, _) = group_of_two(client, owner)
    for query in ("one", "two"):
        add(client, owner, group_id, query)
    base, h = f"/v1/speaker-groups/{group_id}", auth(owner)

    assert client.post(f"{base}/next", headers=h).status_code == 202  # one is current
    assert client.post(f"{base}/previous", headers=h).status_code == 202
    assert client.post(f"{base}/restart", headers=h).status_code == 202
    assert client.post(f"{base}/repeat", headers=h, json={"mode": "one"}).status_code == 200
    ended_play = plays(db, group_id)[-1]
    TrackedWork(db, CONSUMER, max_attempts=3)([ended(a, ended_play)])

    assert [p["query"] for p in plays(db, group_id)] == ["two", "one", "one", "one"]
    assert client.post(f"{base}/shuffle", headers=h, json={"on": True}).status_code == 200
    assert client.post(f"{base}/clear", headers=h).get_json()["data"] == []
    r = client.post(f"{base}/next", headers=h)
    assert r.status_code == 409 and error(r)["code"] == "queue_empty"


def test_another_owners_group_queue_is_404_and_bad_input_changes_nothing(client, db, owner):
    from tests.support.accounts import sign_up_verified

    group_id, _ = group_of_two(client, owner)
    other = sign_up_verified(client, "other@example.com")

    assert client.get(f"/v1/speaker-groups/{group_id}/queue",
                      headers=auth(other)).status_code == 404
    assert add(client, other, group_id, "jazz").status_code == 404
    bad = add(client, owner, group_id, "http://192.168.1.10/song.mp3")
    assert bad.status_code == 422 and error(bad)["source"]["pointer"] == "/query"
    assert outbox_data(db, "speaker_group.queue_changed") == []


def failed(speaker_id: int, play: dict, sequence: int = 5):
    """A member's playback failure: the device keeps the play's id (device/player.py)."""
    return state(speaker_id, "error", datetime.now(UTC), sequence=sequence,
                 extra={"group_play_id": play["command_id"], "error": "playback failed"})


def test_a_song_failing_on_every_member_moves_the_queue_on_once(client, db, owner):
    group_id, (a, b), first, work = started(client, db, owner)

    work([failed(a, first), failed(b, first)])
    work([failed(a, first, sequence=6)])  # a's heartbeat, still on the failed play

    assert [p["query"] for p in plays(db, group_id)] == ["one", "two"]


def test_one_members_failure_waits_for_the_others_to_end_the_song(client, db, owner):
    group_id, (a, b), first, work = started(client, db, owner)
    work([state(b, "playing", datetime.now(UTC), extra={"group_play_id": first["command_id"]})])

    work([failed(a, first)])
    assert len(plays(db, group_id)) == 1  # b plays on
    work([ended(b, first)])

    assert [p["query"] for p in plays(db, group_id)] == ["one", "two"]


def test_an_idle_members_heartbeat_locks_no_group_row(client, db, owner):
    group_id, (a, _), first, work = started(client, db, owner, ("one", "two", "three"))
    work([ended(a, first)])  # moves the queue on; a stays idle with first's id

    def group_locks(seen) -> list[str]:
        return [s for s, _ in seen if "FROM speaker_groups " in s and "FOR UPDATE" in s]

    with executed(db) as seen:
        work([ended(a, first, sequence=6), ended(a, first, sequence=7)])
    assert group_locks(seen) == [] and len(plays(db, group_id)) == 2

    with executed(db) as seen:  # the present play's end: locked, and moved on
        work([ended(a, plays(db, group_id)[1], sequence=8)])
    assert len(group_locks(seen)) == 1 and len(plays(db, group_id)) == 3
