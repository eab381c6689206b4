"""The Pi's setup server as an attacker on the venue network meets it: closed when its
token file is empty, closed again once pairing succeeded, and pairing hands the agent the
broker URL it runs with."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.config import load_config
from device.setup_server import SetupSettings, create_setup_app, setup_token

AMQP = "amqps://speaker-7:" + "k" * 40 + "@broker.venue.example/venue"
PAIR = {"api_url": "https://api.venue.example", "device_id": "7", "device_token": "k" * 40,
        "amqp_url": AMQP}


def server(tmp_path: Path):
    token, _ = setup_token(tmp_path / "setup-token")
    app = create_setup_app(SetupSettings(token=token, config_path=tmp_path / "agent.json",
                                         token_file=tmp_path / "setup-token",
                                         nmcli=["false"]))
    return app.test_client(), token


@pytest.mark.parametrize("given", ["", " ", "anything"])
def test_an_empty_token_file_refuses_everything(tmp_path, given):
    (tmp_path / "setup-token").write_text("\n")
    client, token = server(tmp_path)
    assert token == ""
    r = client.post("/setup/pair", json=PAIR, headers={"Authorization": f"Bearer {given}"})
    assert r.status_code == 403 and r.get_json()["errors"][0]["code"] == "setup_closed"
    assert not (tmp_path / "agent.json").exists()


def test_pairing_hands_over_the_broker_url_and_retires_the_token(tmp_path):
    client, token = server(tmp_path)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/setup/pair", json=PAIR, headers=auth).status_code == 204
    config = load_config(tmp_path / "agent.json")
    assert (config.device_id, config.amqp_url) == ("7", AMQP)

    # the same token, even the same request again, is refused now; nothing changes
    again = client.post("/setup/pair", json={**PAIR, "device_id": "8"}, headers=auth)
    assert again.status_code == 403
    assert client.post("/setup/wifi", json={"ssid": "x", "password": "p" * 8},
                       headers=auth).status_code == 403
    assert load_config(tmp_path / "agent.json").device_id == "7"
    assert (tmp_path / "setup-token").read_text() == ""
    restarted, after_boot = server(tmp_path)  # a reboot does not reopen it
    assert after_boot == "" and restarted.post("/setup/pair", json=PAIR, headers=auth) \
        .status_code == 403


@pytest.mark.parametrize("amqp_url", [
    "http://speaker-7:pw@broker/venue", "amqp://broker.venue.example/venue",
    "amqp://speaker-7@broker.venue.example/venue", "amqp://speaker-7:pw@/venue",
    "amqp://speaker-7:p w@broker/venue", 12])
def test_a_broker_url_without_the_devices_credentials_is_422_and_keeps_setup_open(
        tmp_path, amqp_url):
    client, token = server(tmp_path)
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/setup/pair", json={**PAIR, "amqp_url": amqp_url}, headers=auth)
    assert r.status_code == 422 and r.get_json()["errors"][0]["source"]["pointer"] == \
        "/amqp_url"
    assert "pw" not in r.get_data(as_text=True)
    assert not (tmp_path / "agent.json").exists()
    assert (tmp_path / "setup-token").read_text().strip() == token
