"""Which broker URL the speaker agent connects with. Under `venuebus run` the demo
speaker's process inherits AMQP_URL, the backend's URL and credentials: the agent must
keep the URL of its own broker user from its paired config, or it would publish as the
backend and the speakers consumer would refuse every state it sends."""

from __future__ import annotations

import json

from click.testing import CliRunner

from device.cli import agent_amqp_url, device

BACKEND = "amqp://guest:guest@127.0.0.1:5672/%2F"
OWN = "amqp://speaker-7:device-token@127.0.0.1:5672/%2F"


def test_a_paired_config_keeps_its_own_broker_user_when_amqp_url_is_the_backends():
    assert agent_amqp_url(None, True, {"AMQP_URL": BACKEND}) is None  # the config's wins


def test_an_explicit_amqp_url_wins_over_the_config_and_the_environment():
    assert agent_amqp_url(OWN, True, {"AMQP_URL": BACKEND}) == OWN


def test_without_a_config_the_environment_names_the_broker():
    assert agent_amqp_url(None, False, {"AMQP_URL": OWN}) == OWN
    assert agent_amqp_url(None, False, {}) is None


def test_device_run_with_the_backends_amqp_url_in_its_environment_connects_as_itself(
        tmp_path, monkeypatch):
    """The command itself, as the supervisor starts it: the Agent it builds gets the
    config's URL (the agent is stopped before it connects)."""
    config = tmp_path / "agent.json"
    config.write_text(json.dumps({"device_id": "7", "device_token": "device-token",
                                  "amqp_url": OWN}))
    built = []

    class NoAgent:
        def __init__(self, agent_config):
            built.append(agent_config)
            raise SystemExit(0)

    monkeypatch.setattr("device.agent.Agent", NoAgent)
    result = CliRunner().invoke(device, ["run", "--config", str(config)],
                                env={"AMQP_URL": BACKEND})
    assert result.exit_code == 0, result.output
    assert [c.amqp_url for c in built] == [OWN]
