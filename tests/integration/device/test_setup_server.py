"""The setup server: token required, nothing in URLs, logs or answers, and nmcli run
without a shell so hostile SSIDs and passwords stay single arguments."""

from __future__ import annotations

import json
import logging
import stat
import sys
from pathlib import Path

import pytest

from device.config import load_config
from device.setup_server import SetupSettings, create_setup_app, setup_token

TOKEN = "setup-token-0123456789"
RECORDER = """import json, sys
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(sys.argv[2:]) + "\\n")
sys.exit(int(__import__("os").environ.get("RECORDER_EXIT", "0")))
"""


@pytest.fixture
def recorded(tmp_path) -> Path:
    return tmp_path / "nmcli-calls.jsonl"


@pytest.fixture
def client(tmp_path, recorded):
    script = tmp_path / "nmcli-recorder.py"
    script.write_text(RECORDER)
    settings = SetupSettings(token=TOKEN, config_path=tmp_path / "agent.json",
                             nmcli=[sys.executable, str(script), str(recorded)])
    return create_setup_app(settings).test_client()


def calls(recorded: Path) -> list[list[str]]:
    if not recorded.exists():
        return []
    return [json.loads(line) for line in recorded.read_text().splitlines()]


AUTH = {"Authorization": f"Bearer {TOKEN}"}
AMQP = "amqps://speaker-7:" + "k" * 40 + "@broker.venue.example/venue"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}])
def test_requests_without_the_setup_token_are_refused_and_change_nothing(
        client, recorded, tmp_path, headers):
    wifi = client.post("/setup/wifi", json={"ssid": "venue", "password": "secret123"},
                       headers=headers)
    pair = client.post("/setup/pair", headers=headers, json={
        "api_url": "https://api.example", "device_id": "7", "device_token": "t" * 32})

    assert wifi.status_code == pair.status_code == 401
    assert calls(recorded) == []
    assert not (tmp_path / "agent.json").exists()


@pytest.mark.parametrize(("ssid", "password"), [
    ('cafe"; rm -rf / #', "pa$(touch /tmp/pwned)ss"),
    ("$(reboot)", "`id` && echo 'x'"),
    ("line\nbreak; ls", "semi;colon|pipe>file"),
    ("  spaced  ", "'single' \"double\""),
])
def test_injection_laden_values_reach_nmcli_verbatim_as_single_arguments(
        client, recorded, ssid, password, caplog):
    caplog.set_level(logging.DEBUG)

    r = client.post("/setup/wifi", json={"ssid": ssid, "password": password}, headers=AUTH)

    assert r.status_code == 204 and r.data == b""
    assert calls(recorded) == [["device", "wifi", "connect", ssid, "password", password]]
    assert not Path("/tmp/pwned").exists()
    assert password not in caplog.text and ssid not in caplog.text


@pytest.mark.parametrize(("body", "pointer"), [
    ({"ssid": "", "password": "secret123"}, "/ssid"),
    ({"ssid": "x" * 33, "password": "secret123"}, "/ssid"),
    ({"ssid": "é" * 17, "password": "secret123"}, "/ssid"),  # 34 bytes
    ({"ssid": "venue", "password": ""}, "/password"),
    ({"ssid": "venue", "password": "p" * 64}, "/password"),
    ({"ssid": "venue", "password": "nul\x00byte!"}, "/password"),
    ({"ssid": 5, "password": "secret123"}, "/ssid"),
])
def test_empty_or_over_long_values_are_422_and_nmcli_is_not_run(client, recorded, body,
                                                                  pointer):
    r = client.post("/setup/wifi", json=body, headers=AUTH)

    assert r.status_code == 422
    assert r.get_json()["errors"][0]["source"]["pointer"] == pointer
    assert str(body["password"]) not in r.get_data(as_text=True) or not body["password"]
    assert calls(recorded) == []


def test_credentials_in_the_url_are_refused(client, recorded):
    r = client.post("/setup/wifi?ssid=venue&password=secret123", headers=AUTH,
                    json={"ssid": "venue", "password": "secret123"})

    assert r.status_code == 400
    assert "secret123" not in r.get_data(as_text=True)
    assert calls(recorded) == []


def test_nmcli_failure_is_502_without_echo(client, recorded, monkeypatch):
    monkeypatch.setenv("RECORDER_EXIT", "10")

    r = client.post("/setup/wifi", json={"ssid": "venue", "password": "secret123"},
                    headers=AUTH)

    assert r.status_code == 502 and r.get_json()["errors"][0]["code"] == "wifi_failed"
    assert "secret123" not in r.get_data(as_text=True)


def test_pairing_writes_the_agent_config_readable_by_the_owner_only(client, tmp_path):
    r = client.post("/setup/pair", headers=AUTH, json={
        "api_url": "https://api.venue.example", "device_id": 42, "device_token": "k" * 40,
        "amqp_url": AMQP})

    assert r.status_code == 204 and r.data == b""
    path = tmp_path / "agent.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_config(path)
    assert (config.device_id, config.device_token, config.api_url) == (
        "42", "k" * 40, "https://api.venue.example")


def test_pairing_over_an_unreadable_config_replaces_it(client, tmp_path):
    """Re-pairing is how a device with a damaged config is set right: no 500."""
    (tmp_path / "agent.json").write_text("{not json")
    r = client.post("/setup/pair", headers=AUTH, json={
        "api_url": "https://api.venue.example", "device_id": "7", "device_token": "k" * 40,
        "amqp_url": AMQP})
    assert r.status_code == 204
    config = load_config(tmp_path / "agent.json")
    assert (config.device_id, config.api_url) == ("7", "https://api.venue.example")


@pytest.mark.parametrize("body", [
    {"api_url": "ftp://x", "device_id": "1", "device_token": "k" * 40, "amqp_url": AMQP},
    {"api_url": "https://user:pw@x", "device_id": "1", "device_token": "k" * 40, "amqp_url": AMQP},
    {"api_url": "https://x", "device_id": "1; rm", "device_token": "k" * 40, "amqp_url": AMQP},
    {"api_url": "https://x", "device_id": "1", "device_token": "short", "amqp_url": AMQP},
    {"api_url": "https://x", "device_id": "1", "device_token": "k" * 20 + " " + "k" * 20,
     "amqp_url": AMQP},
])
def test_bad_pairing_details_are_422_and_write_nothing(client, tmp_path, body):
    r = client.post("/setup/pair", headers=AUTH, json=body)

    assert r.status_code == 422
    assert not (tmp_path / "agent.json").exists()


def test_setup_token_is_made_once_with_mode_600(tmp_path):
    token, created = setup_token(tmp_path / "setup-token")
    again, created_again = setup_token(tmp_path / "setup-token")

    assert created and not created_again and token == again and len(token) >= 32
    assert stat.S_IMODE((tmp_path / "setup-token").stat().st_mode) == 0o600
