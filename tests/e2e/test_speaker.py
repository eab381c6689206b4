"""The speaker end to end, as processes: API → outbox → relay → RabbitMQ → device agent
(yt-dlp + libvlc writing a WAV file) → state → speakers consumer → API."""

from __future__ import annotations

import os

import pytest

from device.media_server import make_tone
from models.accounts.users import create_user
from tests.support.api import auth, doc, login
from tests.support.http import LiveClient, answers
from tests.support.processes import free_port, wait_until

pytestmark = pytest.mark.slow


def test_play_pause_stop_from_the_api_reach_the_device_and_its_state_comes_back(
        procs, db, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    make_tone(media / "song.wav", 60)
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    procs.start("api", "--port", str(api_port), "--workers", "1", ready="listening")
    wait_until(lambda: answers(base + "/healthz", 200), what="api")
    media_port = free_port()  # after the API holds its port: never the same one
    procs.start("relay", ready="relay running")
    procs.start("consume", "speakers", ready="consumer speakers running")
    procs.start("consume", "provisioner", ready="consumer provisioner running")
    procs.start("device", "media-server", "--dir", str(media), "--port", str(media_port),
                "--no-demo", ready="media server on")

    api = LiveClient(base)
    create_user(db, "dj@example.com", "password123", verified=True)  # as `users create`
    token = login(api, "dj@example.com")
    r = api.post("/v1/speakers", headers=auth(token),
                 json=doc("speaker", {"name": "Main hall"}))
    speaker_id = r.get_json()["data"]["id"]
    device_token = r.get_json()["data"]["attributes"]["device-token"]
    device_url = r.get_json()["data"]["attributes"]["amqp-url"]  # its own broker user
    out = tmp_path / "out.wav"
    agent = procs.start("device", "run", "--id", speaker_id, "--token", device_token,
                        "--amqp-url", device_url,
                        "--audio-file", str(out), "--state-dir", str(tmp_path / "dev"),
                        ready="listening on")

    def status() -> dict:
        return api.get(f"/v1/speakers/{speaker_id}", headers=auth(token)).get_json()["data"][
            "attributes"]

    song = f"http://127.0.0.1:{media_port}/song.wav"
    assert api.post(f"/v1/speakers/{speaker_id}/play", headers=auth(token),
                    json={"query": song}).status_code == 202
    wait_until(lambda: status()["status"] == "playing", timeout=20, what="playing")
    attrs = status()
    assert attrs["title"] == "song" and attrs["source-url"] == song and attrs["online"]
    wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 100_000,
               what="audio frames")

    api.post(f"/v1/speakers/{speaker_id}/pause", headers=auth(token))
    wait_until(lambda: status()["status"] == "paused", timeout=10, what="paused")
    api.post(f"/v1/speakers/{speaker_id}/volume", headers=auth(token), json={"level": 30})
    wait_until(lambda: status()["volume"] == 30, timeout=10, what="volume")
    api.post(f"/v1/speakers/{speaker_id}/stop", headers=auth(token))
    wait_until(lambda: status()["status"] == "stopped", timeout=10, what="stopped")

    assert agent.terminate(timeout=20) == 0
    assert "speaker " + speaker_id + " stopped" in agent.output()
    # its broker user goes with it
    assert api.delete(f"/v1/speakers/{speaker_id}", headers=auth(token)).status_code == 204
