"""The speaker end to end, as processes: API → outbox → relay → RabbitMQ → device agent
(yt-dlp + libvlc writing a WAV file) → state → speakers consumer → API."""

from __future__ import annotations

import os
import time

import pytest
import requests

from device.media_server import make_tone
from tests.support.api import JSONAPI
from tests.support.processes import free_port, wait_until

pytestmark = pytest.mark.slow


def api_call(base: str, method: str, path: str, token: str | None = None, json=None):
    headers = {"Content-Type": JSONAPI}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, base + path, json=json, headers=headers, timeout=10)


def test_play_pause_stop_from_the_api_reach_the_device_and_its_state_comes_back(
        procs, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    make_tone(media / "song.wav", 60)
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    procs.start("api", "--port", str(api_port), "--workers", "1", ready="listening")
    wait_until(lambda: _up(base), what="api")
    media_port = free_port()  # after the API holds its port: never the same one
    procs.start("relay", ready="relay running")
    procs.start("consume", "speakers", ready="consumer speakers running")
    procs.start("consume", "provisioner", ready="consumer provisioner running")
    procs.start("device", "media-server", "--dir", str(media), "--port", str(media_port),
                "--no-demo", ready="media server on")
    wait_until(lambda: _up(base), what="api")

    assert api_call(base, "POST", "/v1/users", json={"data": {"type": "user", "attributes": {
        "email": "dj@example.com", "password": "password123"}}}).status_code == 201
    token = requests.post(base + "/v1/auth/login", json={
        "email": "dj@example.com", "password": "password123"}, timeout=10).json()["access_token"]
    r = api_call(base, "POST", "/v1/speakers", token, {"data": {
        "type": "speaker", "attributes": {"name": "Main hall"}}})
    speaker_id = r.json()["data"]["id"]
    device_token = r.json()["data"]["attributes"]["device-token"]
    device_url = r.json()["data"]["attributes"]["amqp-url"]  # its own broker user
    out = tmp_path / "out.wav"
    agent = procs.start("device", "run", "--id", speaker_id, "--token", device_token,
                        "--amqp-url", device_url,
                        "--audio-file", str(out), "--state-dir", str(tmp_path / "dev"),
                        ready="listening on")

    def status() -> dict:
        return api_call(base, "GET", f"/v1/speakers/{speaker_id}", token).json()["data"][
            "attributes"]

    song = f"http://127.0.0.1:{media_port}/song.wav"
    assert api_call(base, "POST", f"/v1/speakers/{speaker_id}/play", token,
                    {"query": song}).status_code == 202
    wait_until(lambda: status()["status"] == "playing", timeout=20, what="playing")
    attrs = status()
    assert attrs["title"] == "song" and attrs["source-url"] == song and attrs["online"]
    wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 100_000,
               what="audio frames")

    api_call(base, "POST", f"/v1/speakers/{speaker_id}/pause", token)
    wait_until(lambda: status()["status"] == "paused", timeout=10, what="paused")
    api_call(base, "POST", f"/v1/speakers/{speaker_id}/volume", token, {"level": 30})
    wait_until(lambda: status()["volume"] == 30, timeout=10, what="volume")
    api_call(base, "POST", f"/v1/speakers/{speaker_id}/stop", token)
    wait_until(lambda: status()["status"] == "stopped", timeout=10, what="stopped")

    assert agent.terminate(timeout=20) == 0
    assert "speaker " + speaker_id + " stopped" in agent.output()
    # its broker user goes with it
    assert api_call(base, "DELETE", f"/v1/speakers/{speaker_id}", token).status_code == 204


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        time.sleep(0.2)
        return False
