"""/v1/speaker-groups: owned groups, one group per speaker, and group commands recorded
once for the group's key with a start time ahead."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.support.accounts import sign_up_verified
from tests.support.api import auth, error
from tests.support.outbox import outbox_rows


def speaker(client, token: str, name: str = "Hall") -> int:
    r = client.post("/v1/speakers", headers=auth(token),
                    json={"data": {"type": "speaker", "attributes": {"name": name}}})
    return int(r.get_json()["data"]["id"])


def make_group(client, token: str, speakers: list, name: str = "Main hall"):
    return client.post("/v1/speaker-groups", headers=auth(token), json={"data": {
        "type": "speaker-group", "attributes": {"name": name, "speakers": speakers}}})


def test_a_group_of_the_owners_speakers_records_its_members_for_the_bindings(client, db,
                                                                            owner):
    a, b = speaker(client, owner), speaker(client, owner, "Bar")

    r = make_group(client, owner, [a, b])

    assert r.status_code == 201, r.get_json()
    group = r.get_json()["data"]
    assert group["attributes"]["speakers"] == [str(a), str(b)]
    [changed] = outbox_rows(db, "speaker_group.changed")
    data = json.loads(changed.payload)["data"]
    assert data == {"speaker_group_id": int(group["id"]), "speaker_ids": [a, b],
                    "removed_speaker_ids": []}
    listed = client.get("/v1/speaker-groups", headers=auth(owner)).get_json()["data"]
    assert [g["id"] for g in listed] == [group["id"]]


def test_a_speaker_belongs_to_one_group_at_a_time(client, db, owner):
    a, b = speaker(client, owner), speaker(client, owner, "Bar")
    assert make_group(client, owner, [a]).status_code == 201

    r = make_group(client, owner, [b, a], name="Other")

    assert r.status_code == 409 and error(r)["code"] == "speaker_in_group"
    assert len(outbox_rows(db, "speaker_group.changed")) == 1


def test_another_owners_speaker_cannot_be_grouped_and_their_group_is_404(client, db, owner):
    other = sign_up_verified(client, "other@example.com")
    theirs, mine = speaker(client, other), speaker(client, owner)
    group_id = make_group(client, other, [theirs]).get_json()["data"]["id"]

    r = make_group(client, owner, [mine, theirs])

    assert r.status_code == 404 and error(r)["code"] == "speaker_not_found"
    assert client.post(f"/v1/speaker-groups/{group_id}/stop",
                       headers=auth(owner)).status_code == 404
    assert client.get(f"/v1/speaker-groups/{group_id}", headers=auth(owner)).status_code == 404
    assert client.delete(f"/v1/speaker-groups/{group_id}",
                         headers=auth(owner)).status_code == 404
    assert outbox_rows(db, f"speaker_group.{group_id}.stop") == []


@pytest.mark.parametrize("speakers", [[], "1", [True], ["x"], list(range(1, 40))])
def test_bad_member_lists_are_422(client, db, owner, speakers):
    r = make_group(client, owner, speakers)

    assert r.status_code == 422
    assert outbox_rows(db, "speaker_group.changed") == []


def test_a_group_play_is_recorded_once_for_the_group_key_with_a_start_ahead(client, db,
                                                                            owner):
    a, b = speaker(client, owner), speaker(client, owner, "Bar")
    group_id = make_group(client, owner, [a, b]).get_json()["data"]["id"]

    r = client.post(f"/v1/speaker-groups/{group_id}/play", headers=auth(owner),
                    json={"query": "dQw4w9WgXcQ"})

    assert r.status_code == 202
    [row] = outbox_rows(db, f"speaker_group.{group_id}.play")
    data = json.loads(row.payload)["data"]
    assert data["group_id"] == int(group_id) and data["query"] == "dQw4w9WgXcQ"
    ahead = datetime.fromisoformat(data["start_at"]) - datetime.fromisoformat(data["issued_at"])
    assert 0.3 < ahead.total_seconds() < 0.6
    assert outbox_rows(db, f"speaker.{a}.play") == []  # the broker fans it out


def test_a_group_command_with_a_private_address_url_is_422(client, db, owner):
    group_id = make_group(client, owner, [speaker(client, owner)]).get_json()["data"]["id"]

    r = client.post(f"/v1/speaker-groups/{group_id}/play", headers=auth(owner),
                    json={"query": "http://192.168.1.10/song.mp3"})

    assert r.status_code == 422 and error(r)["source"]["pointer"] == "/query"
    assert outbox_rows(db, f"speaker_group.{group_id}.play") == []


def test_deleting_a_group_names_its_members_for_unbinding(client, db, owner):
    a = speaker(client, owner)
    group_id = make_group(client, owner, [a]).get_json()["data"]["id"]

    assert client.delete(f"/v1/speaker-groups/{group_id}", headers=auth(owner)).status_code == 204

    last = json.loads(outbox_rows(db, "speaker_group.changed")[-1].payload)["data"]
    assert last["speaker_ids"] == [] and last["removed_speaker_ids"] == [a]
    assert make_group(client, owner, [a]).status_code == 201  # free to join another
