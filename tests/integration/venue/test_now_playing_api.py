"""Now playing on /v1/speakers: artist, picture, a position readers can move on themselves,
and seek."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from models.core.base import utcnow
from models.speakers.service import parse_state
from models.speakers.tables import Speaker
from tests.support.api import auth, error
from tests.support.outbox import outbox_rows


def reported(db, speaker_id, seconds_ago: float, **state) -> None:
    with db.session() as s:
        speaker = s.get(Speaker, int(speaker_id))
        speaker.state = {"position_ms": 1000, "duration_ms": 200_000, **state}
        speaker.state_status = state["status"]
        speaker.state_received_at = utcnow() - timedelta(seconds=seconds_ago)
        s.commit()


def test_the_position_of_a_playing_song_moves_on_from_the_last_report(client, db, owner,
                                                                     speaker_id):
    reported(db, speaker_id, 3, status="playing", artist="The Testers",
             thumbnail_url="https://i.ytimg.com/vi/x/hq.jpg")

    attrs = client.get(f"/v1/speakers/{speaker_id}", headers=auth(owner)).get_json()[
        "data"]["attributes"]

    assert 3900 <= attrs["position-ms"] < 6000 and attrs["position-at"]
    assert attrs["artist"] == "The Testers"
    assert attrs["thumbnail-url"] == "https://i.ytimg.com/vi/x/hq.jpg"


def test_a_paused_song_stays_where_it_was_and_none_runs_past_its_end(client, db, owner,
                                                                     speaker_id):
    reported(db, speaker_id, 3, status="paused")
    paused = client.get(f"/v1/speakers/{speaker_id}", headers=auth(owner)).get_json()
    reported(db, speaker_id, 500, status="playing")
    ended = client.get(f"/v1/speakers/{speaker_id}", headers=auth(owner)).get_json()

    assert paused["data"]["attributes"]["position-ms"] == 1000
    assert ended["data"]["attributes"]["position-ms"] == 200_000


def test_seek_is_routed_to_the_device_with_its_position(client, db, owner, speaker_id):
    r = client.post(f"/v1/speakers/{speaker_id}/seek", headers=auth(owner),
                    json={"position-ms": 90_000})

    assert r.status_code == 202
    [row] = outbox_rows(db, f"speaker.{speaker_id}.seek")
    assert json.loads(row.payload)["data"]["position_ms"] == 90_000


@pytest.mark.parametrize("body", [{}, {"position-ms": -1}, {"position-ms": "9"},
                                  {"position-ms": True}, {"position-ms": 10**12}])
def test_a_bad_seek_is_422_and_sends_nothing(client, db, owner, speaker_id, body):
    r = client.post(f"/v1/speakers/{speaker_id}/seek", headers=auth(owner), json=body)

    assert r.status_code == 422 and error(r)["source"]["pointer"] == "/position-ms"
    assert outbox_rows(db, f"speaker.{speaker_id}.seek") == []


@pytest.mark.parametrize("url", ["http://i.ytimg.com/x.jpg", "javascript:alert(1)",
                                 "https://" + "x" * 1000])
def test_a_device_cannot_put_a_non_https_picture_on_the_remote(url):
    state = {"status": "playing", "thumbnail_url": url, "reported_at": utcnow().isoformat()}

    with pytest.raises(ValueError):
        parse_state(state)
