"""Device fixtures: media files made with sox/espeak-ng and served over loopback HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.agent import Agent
from device.config import AgentConfig
from device.media_server import MediaServer, make_speech, make_tone
from tests.support.device import BrokerPeer


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("media")
    make_tone(directory / "tone30.wav", 30)
    make_tone(directory / "tone30.ogg", 30, freq=330)
    make_speech(directory / "speech.wav", "Testing the venuebus speaker, one two three.")
    return directory


@pytest.fixture(scope="session")
def media(media_dir: Path) -> Iterator[MediaServer]:
    with MediaServer(media_dir) as server:
        yield server


@pytest.fixture
def device_id() -> str:
    return str(uuid.uuid4().int % 10**9)


@pytest.fixture
def peer(amqp_url, device_id) -> Iterator[BrokerPeer]:
    peer = BrokerPeer(amqp_url, device_id)
    yield peer
    peer.close()


@pytest.fixture
def start_agent(amqp_url, tmp_path, device_id, peer):  # peer: the queue exists first
    agents: list[Agent] = []

    def start(audio: str = "out.wav") -> Agent:
        agent = Agent(AgentConfig(device_id=device_id, amqp_url=amqp_url,
                                  media_hosts=("127.0.0.1",), audio_file=str(tmp_path / audio),
                                  state_dir=str(tmp_path), report_every_s=0.3))
        agent.start()
        agents.append(agent)
        assert agent.link.connected.wait(10), "agent did not connect"
        return agent

    yield start
    for agent in agents:
        agent.close()
