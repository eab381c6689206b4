"""The API side of a speaker's broker identity: the registration answer carries the
device's broker URL once, `POST /v1/speakers/<id>/token` replaces it, DELETE ends it;
each one checked on the real broker after the provisioner ran."""

from __future__ import annotations

from urllib.parse import urlsplit

import pika
import pytest
from pika.exceptions import ProbableAuthenticationError

from api.app import create_app
from contracts.speakers import command_queue
from tests.integration.trust.conftest import provision
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, doc, sign_up


@pytest.fixture
def client(trust_config, tdb, admin, backend):
    return create_app(trust_config, tdb).test_client()


def can_connect(url: str, speaker_id: str) -> bool:
    try:
        conn = pika.BlockingConnection(pika.URLParameters(url))
    except ProbableAuthenticationError:
        return False
    conn.channel().queue_declare(command_queue(speaker_id), passive=True)
    conn.close()
    return True


def test_registration_rotation_and_deletion_drive_the_device_broker_url(client, tdb,
                                                                        trust_config):
    owner = sign_up_verified(client, "owner@example.com")
    r = client.post("/v1/speakers", headers=auth(owner), json=doc("speaker", {"name": "A"}))
    data = r.get_json()["data"]
    speaker_id, url = data["id"], data["attributes"]["amqp-url"]
    parts = urlsplit(url)
    assert parts.username == f"{trust_config.speaker_user_prefix}{speaker_id}"
    assert parts.password == data["attributes"]["device-token"]
    assert parts.path == urlsplit(trust_config.amqp_url).path  # the run's vhost
    provision(tdb, "speaker.registered")
    assert can_connect(url, speaker_id)
    seen = client.get(f"/v1/speakers/{speaker_id}", headers=auth(owner)).get_json()
    assert "amqp-url" not in seen["data"]["attributes"]  # shown once

    stranger = sign_up(client, "stranger@example.com")
    assert client.post(f"/v1/speakers/{speaker_id}/token",
                       headers=auth(stranger)).status_code == 404  # not theirs: not there
    assert client.delete(f"/v1/speakers/{speaker_id}", headers=auth(stranger)).status_code \
        == 404
    assert client.post("/v1/speakers/999999/token", headers=auth(owner)).status_code == 404

    r = client.post(f"/v1/speakers/{speaker_id}/token", headers=auth(owner))
    assert r.status_code == 200
    new_url = r.get_json()["data"]["attributes"]["amqp-url"]
    assert new_url != url
    provision(tdb, "speaker.token_rotated")
    assert not can_connect(url, speaker_id) and can_connect(new_url, speaker_id)

    assert client.delete(f"/v1/speakers/{speaker_id}", headers=auth(owner)).status_code == 204
    provision(tdb, "speaker.deleted")
    assert not can_connect(new_url, speaker_id)
    assert client.get(f"/v1/speakers/{speaker_id}", headers=auth(owner)).status_code == 404
