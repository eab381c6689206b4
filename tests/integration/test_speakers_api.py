"""/v1/speakers: registration, the owner's view, commands recorded in the outbox."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from models.speakers.service import hash_token
from models.speakers.tables import Speaker
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, doc, error, sign_up
from tests.support.outbox import outbox_rows


def register(client, token: str, name: str = "Hall A") -> dict:
    r = client.post("/v1/speakers", headers=auth(token), json=doc("speaker", {"name": name}))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]


def commands(db) -> list:
    """The commands recorded (registration's own `speaker.registered`, and the owners'
    `user.signed_up`, left out)."""
    return [r for r in outbox_rows(db) if r.routing_key != "speaker.registered"
            and not r.routing_key.startswith("user.")]


def test_registration_returns_the_device_token_once_and_stores_only_its_hash(client, db):
    owner = sign_up_verified(client, "owner@example.com")
    data = register(client, owner)

    token = data["attributes"]["device-token"]
    assert len(token) >= 40 and data["attributes"]["name"] == "Hall A"
    with db.session() as s:
        row = s.get(Speaker, int(data["id"]))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    again = client.get(f"/v1/speakers/{data['id']}", headers=auth(owner)).get_json()["data"]
    assert "device-token" not in again["attributes"]
    assert again["attributes"]["status"] == "unknown" and again["attributes"]["online"] is False


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_registration_needs_a_name(client, db, name):
    owner = sign_up_verified(client, "owner@example.com")
    r = client.post("/v1/speakers", headers=auth(owner), json=doc("speaker", {"name": name}))
    assert r.status_code == 422
    with db.session() as s:
        assert s.scalar(select(Speaker)) is None


def test_play_is_recorded_in_the_outbox_for_the_device_queue(client, db):
    owner = sign_up_verified(client, "owner@example.com")
    speaker_id = register(client, owner)["id"]
    before = datetime.now().astimezone()

    r = client.post(f"/v1/speakers/{speaker_id}/play", headers=auth(owner),
                    json={"query": "dQw4w9WgXcQ"})

    assert r.status_code == 202
    command = r.get_json()["data"]
    [row] = commands(db)
    assert row.routing_key == f"speaker.{speaker_id}.play"
    payload = json.loads(row.payload)
    assert payload["type"] == "venuebus.speaker.play"
    data = payload["data"]
    assert data["command_id"] == command["id"] and data["query"] == "dQw4w9WgXcQ"
    assert data["speaker_id"] == int(speaker_id)
    expires = datetime.fromisoformat(data["expires_at"])
    assert timedelta(seconds=29) < expires - before < timedelta(seconds=32)
    assert command["attributes"]["expires-at"] == expires.isoformat()


@pytest.mark.parametrize(("command", "body", "extra"), [
    ("pause", None, {}), ("resume", None, {}), ("stop", None, {}),
    ("volume", {"level": 0}, {"level": 0}), ("volume", {"level": 100}, {"level": 100}),
    ("play", {"data": {"type": "speaker-command", "attributes": {"query": "jazz piano"}}},
     {"query": "jazz piano"}),
])
def test_each_command_is_routed_as_speaker_id_command(client, db, command, body, extra):
    owner = sign_up_verified(client, "owner@example.com")
    speaker_id = register(client, owner)["id"]

    r = client.post(f"/v1/speakers/{speaker_id}/{command}", headers=auth(owner), json=body)

    assert r.status_code == 202, r.get_json()
    [row] = commands(db)
    assert row.routing_key == f"speaker.{speaker_id}.{command}"
    data = json.loads(row.payload)["data"]
    assert data["command_id"] == r.get_json()["data"]["id"]
    assert {k: data[k] for k in extra} == extra


@pytest.mark.parametrize(("command", "body", "pointer"), [
    ("play", {"query": "  "}, "/query"),
    ("play", {"query": "x" * 501}, "/query"), ("play", {"query": 5}, "/query"),
    ("volume", {"level": 101}, "/level"), ("volume", {"level": -1}, "/level"),
    ("volume", {"level": "50"}, "/level"), ("volume", {"level": True}, "/level"),
    ("volume", None, "/level"),
])
def test_bad_command_bodies_are_422_and_record_nothing(client, db, command, body, pointer):
    owner = sign_up_verified(client, "owner@example.com")
    speaker_id = register(client, owner)["id"]

    r = client.post(f"/v1/speakers/{speaker_id}/{command}", headers=auth(owner), json=body)

    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == pointer
    assert commands(db) == []


def test_unknown_and_foreign_speakers_are_both_404(client, db):
    owner = sign_up_verified(client, "owner@example.com")
    other = sign_up(client, "other@example.com")
    speaker_id = register(client, owner)["id"]

    assert client.post("/v1/speakers/999999/stop", headers=auth(owner)).status_code == 404
    assert client.post(f"/v1/speakers/{speaker_id}/stop", headers=auth(other)).status_code == 404
    assert client.get(f"/v1/speakers/{speaker_id}", headers=auth(other)).status_code == 404
    assert client.get("/v1/speakers/999999", headers=auth(owner)).status_code == 404
    assert client.post(f"/v1/speakers/{speaker_id}/stop").status_code == 401
    assert commands(db) == []


def test_speaker_endpoints_are_documented(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for command in ("play", "pause", "resume", "stop", "volume"):
        assert "post" in paths[f"/v1/speakers/{{speaker_id}}/{command}"]
    assert "get" in paths["/v1/speakers/{speaker_id}"]


def speaker_count(db) -> int:
    with db.session() as s:
        return len(s.scalars(select(Speaker.id)).all())


def registrations(db) -> int:
    return len([r for r in outbox_rows(db) if r.routing_key == "speaker.registered"])


def test_an_unverified_account_cannot_register_a_speaker(client, db):
    # every speaker is a broker user with a queue: a throwaway account gets none
    token = sign_up(client, "throwaway@example.com")
    r = client.post("/v1/speakers", headers=auth(token), json=doc("speaker", {"name": "X"}))
    assert r.status_code == 403 and error(r)["code"] == "email_not_verified"
    assert speaker_count(db) == 0 and registrations(db) == 0


def test_registrations_past_the_per_user_quota_are_409_and_create_nothing(config, db):
    from api.app import create_app
    from models.core.db import Database

    quota_config = config.with_(speakers_per_user=2)
    quota_db = Database(quota_config)
    try:
        client = create_app(quota_config, quota_db).test_client()
        owner = sign_up_verified(client, "owner@example.com")
        register(client, owner, "A")
        register(client, owner, "B")
        r = client.post("/v1/speakers", headers=auth(owner), json=doc("speaker", {"name": "C"}))
        assert r.status_code == 409 and error(r)["code"] == "speaker_quota"
        assert speaker_count(db) == 2 and registrations(db) == 2
        # the quota is per user: another verified account still registers
        register(client, sign_up_verified(client, "other@example.com"), "D")
    finally:
        quota_db.dispose()


def test_the_default_quota_is_ten_speakers_per_user():
    from models.core.config import Config

    assert Config().speakers_per_user == 10
    assert Config.from_env({"SPEAKERS_PER_USER": "3"}).speakers_per_user == 3
