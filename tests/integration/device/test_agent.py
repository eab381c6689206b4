"""The speaker agent end to end on real RabbitMQ, real yt-dlp (generic extractor on local
media) and real libvlc writing to a WAV file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from contracts.speakers import SpeakerStateReported, new_command
from device.agent import Agent
from device.config import AgentConfig
from tests.support.device import (
    close_broker_connections,
    recent_rms,
    wait_growing,
    wait_still,
    wait_until,
)


@pytest.fixture
def agent(amqp_url, tmp_path, device_id, peer) -> Iterator[Agent]:  # peer: the queue first
    config = AgentConfig(device_id=device_id, amqp_url=amqp_url, media_hosts=("127.0.0.1",),
                         audio_file=str(tmp_path / "out.wav"), state_dir=str(tmp_path),
                         report_every_s=0.5)
    agent = Agent(config)
    agent.start()
    assert agent.link.connected.wait(10), "agent did not connect"
    yield agent
    agent.close()


def cmd(name: str, device_id: str, command_id: str | None = None, **fields):
    return new_command(name, int(device_id), command_id or str(uuid.uuid4()), **fields)


def test_play_command_reports_playing_with_title_and_audio(agent, peer, media, device_id):
    command = cmd("play", device_id, query=media.url("tone30.wav"))
    peer.send(command)

    state = peer.wait_state(lambda s: s["status"] == "playing")

    assert state["speaker_id"] == device_id
    assert state["title"] == "tone30" and state["source_url"] == media.url("tone30.wav")
    assert state["command_id"] == command.command_id
    reported = SpeakerStateReported(**state)  # exactly the documented contract's fields
    assert reported.key() == f"speaker.{device_id}.state"
    out = Path(agent.config.audio_file)
    wait_growing(out, by=100_000)
    assert recent_rms(out) > 1000  # a tone, not silence


def test_pause_resume_volume_and_stop_commands_are_obeyed_mid_song(agent, peer, media,
                                                                   device_id):
    """Each command changes what libvlc writes, not only what the agent reports."""
    out = Path(agent.config.audio_file)
    peer.send(cmd("play", device_id, query=media.url("tone30.wav")))
    # two seconds in: a resume that restarted the song would show in the positions
    peer.wait_state(lambda s: s["status"] == "playing" and s["position_ms"] >= 2000)
    wait_growing(out)

    pause = cmd("pause", device_id)
    peer.send(pause)
    paused = peer.wait_state(lambda s: s["command_id"] == pause.command_id, timeout=5)
    assert paused["status"] == "paused" and paused["position_ms"] > 0
    wait_still(out)  # the song is held, not just reported as held
    assert peer.collect()[-1]["status"] == "paused"

    resume = cmd("resume", device_id)
    peer.send(resume)
    assert peer.wait_state(lambda s: s["command_id"] == resume.command_id,
                           timeout=5)["status"] == "playing"
    wait_growing(out, by=88_200)  # half a second more
    peer.wait_state(lambda s: s["command_id"] == resume.command_id
                    and s["position_ms"] > paused["position_ms"] + 200)
    since_resume = [s["position_ms"] for s in peer.collect()
                    if s["command_id"] == resume.command_id]
    assert min(since_resume) >= paused["position_ms"] - 500  # went on, not from the start

    loud = recent_rms(out)
    volume = cmd("volume", device_id, level=35)
    peer.send(volume)
    assert peer.wait_state(lambda s: s["command_id"] == volume.command_id,
                           timeout=5)["volume"] == 35
    wait_until(lambda: recent_rms(out) < loud / 2, timeout=5, interval=0.02,
               what=lambda: f"quieter audio than {loud:.0f} (now {recent_rms(out):.0f})")

    stop = cmd("stop", device_id)
    peer.send(stop)
    assert peer.wait_state(lambda s: s["command_id"] == stop.command_id,
                           timeout=5)["status"] == "stopped"
    wait_still(out)
    assert peer.collect()[-1]["status"] == "stopped"


def test_expired_command_is_not_played(agent, peer, media, device_id):
    stale = cmd("play", device_id, query=media.url("tone30.wav"), ttl=timedelta(seconds=-1))
    fresh = cmd("volume", device_id, level=40)
    peer.send(stale)
    peer.send(fresh)  # delivered after the stale one: once it shows, both were handled

    peer.wait_state(lambda s: s["volume"] == 40)
    # the agent handles commands in order: a played stale command would have shown first
    assert all(s["status"] not in ("loading", "playing") for s in peer.collect())
    assert not [s for s in peer.collect() if s["command_id"] == stale.command_id]


def test_duplicate_command_id_is_ignored_even_after_a_restart(agent, peer, media,
                                                              device_id, amqp_url, tmp_path):
    play = cmd("play", device_id, query=media.url("speech.wav"))
    peer.send(play)
    peer.wait_state(lambda s: s["status"] == "playing")
    peer.send(cmd("stop", device_id))
    peer.wait_state(lambda s: s["status"] == "stopped")

    before = len(peer.collect())
    peer.send(play)  # the same command id again (a redelivery, a replay)
    peer.send(cmd("volume", device_id, level=41))
    peer.wait_state(lambda s: s["volume"] == 41)
    assert not [s for s in peer.collect()[before:] if s["command_id"] == play.command_id]
    agent.close()

    restarted = Agent(agent.config)  # same state dir: the handled ids survive
    restarted.start()
    try:
        assert restarted.link.connected.wait(10)
        before = len(peer.collect())
        peer.send(play)
        peer.send(cmd("volume", device_id, level=42))
        peer.wait_state(lambda s: s["volume"] == 42)
        assert not [s for s in peer.collect()[before:]
                    if s["command_id"] == play.command_id]
    finally:
        restarted.close()


@pytest.mark.usefixtures("rabbitmqctl_at_hand")
def test_broker_connection_loss_keeps_playing_then_reconnects_and_obeys(
        agent, peer, media, device_id, amqp_url):
    peer.send(cmd("play", device_id, query=media.url("tone30.wav")))
    peer.wait_state(lambda s: s["status"] == "playing")
    out = Path(agent.config.audio_file)

    vhost = unquote(urlsplit(amqp_url).path.lstrip("/"))
    # both of the agent's connections: commands, and state reports
    assert close_broker_connections(vhost, f"venuebus-speaker-{device_id}") == 1
    assert close_broker_connections(vhost, f"venuebus-speaker-{device_id}-state") == 1
    wait_until(lambda: agent.link.connections >= 2 and agent.link.connected.is_set()
               and agent.link.states.connected.is_set(), timeout=20, what="reconnect")

    wait_growing(out)  # the song went on through the loss of the broker
    assert agent.player.state.status == "playing"
    peer.send(cmd("pause", device_id))
    peer.wait_state(lambda s: s["status"] == "paused", timeout=5)


def test_a_second_agent_for_the_device_waits_as_standby_and_takes_over(
        agent, peer, media, device_id, tmp_path):
    standby = Agent(AgentConfig(device_id=device_id, amqp_url=agent.config.amqp_url,
                                media_hosts=agent.config.media_hosts,
                                audio_file=str(tmp_path / "standby.wav"),
                                state_dir=str(tmp_path / "standby"), report_every_s=0.5))
    standby.start()
    try:
        assert standby.link.connected.wait(10)
        peer.send(cmd("play", device_id, query=media.url("tone30.wav")))
        for level in (31, 32, 33):  # shared out between two consumers, some would miss one
            peer.send(cmd("volume", device_id, level=level))
        peer.wait_state(lambda s: s["status"] == "playing" and s["volume"] == 33)
        assert (agent.player.state.status, agent.player.state.volume) == ("playing", 33)
        assert (standby.player.state.status, standby.player.state.volume) == ("idle", 100)

        agent.close()  # the active one goes away: the standby gets the queue
        peer.send(cmd("volume", device_id, level=23))
        wait_until(lambda: standby.player.state.volume == 23, timeout=10,
                   what="standby obeys")
    finally:
        standby.close()
