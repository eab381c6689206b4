"""The device plays the queue the backend keeps for it, on real RabbitMQ, real yt-dlp
(generic extractor on local media) and real libvlc writing WAV: the next song starts by
itself and quickly, previous and restart do what they say, a rebooted agent goes on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.speakers import new_command
from device.media_server import MediaServer, make_tone
from tests.support.device import BrokerPeer
from tests.support.wav_watch import WavWatch

TONES = {1: 300, 2: 600, 3: 1200}  # item id -> the song's frequency


@pytest.fixture(scope="module")
def songs(tmp_path_factory) -> Iterator[MediaServer]:
    directory = tmp_path_factory.mktemp("queue-media")
    for item_id, freq in TONES.items():
        make_tone(directory / f"short{item_id}.wav", 2.5, freq=freq)
        make_tone(directory / f"long{item_id}.wav", 20, freq=freq)
    with MediaServer(directory) as server:
        yield server


class Queue:
    """What the backend sends the device: the whole queue, a new version each time."""

    def __init__(self, peer: BrokerPeer, device_id: str, songs: MediaServer, kind: str):
        self.peer, self.device_id, self.version = peer, device_id, 0
        self.items = [{"item_id": i, "query": songs.url(f"{kind}{i}.wav")} for i in TONES]

    def send(self, current: int, start: bool = True, repeat: str = "off") -> str:
        self.version += 1
        command = new_command("queue", int(self.device_id), str(uuid.uuid4()),
                              version=self.version, items=self.items, current_item_id=current,
                              repeat=repeat, start=start)
        self.peer.send(command)
        return command.command_id


def playing(item_id: int, at_least_ms: int = 0):
    return lambda s: (s["status"] == "playing" and s["queue_item_id"] == item_id
                      and s["position_ms"] >= at_least_ms)


def near(freq: float | None, expected: int) -> bool:
    return freq is not None and abs(freq - expected) < expected * 0.05


def test_three_songs_play_in_order_by_themselves_with_a_short_gap(start_agent, peer, songs,
                                                                  device_id, tmp_path):
    agent = start_agent()
    with WavWatch(Path(agent.config.audio_file)) as watch:
        Queue(peer, device_id, songs, "short").send(current=1)
        peer.wait_state(lambda s: s["status"] == "idle" and s["queue_item_id"] == 3,
                        timeout=30)

    played = [s["queue_item_id"] for s in peer.states if s["status"] == "playing"]
    assert list(dict.fromkeys(played)) == [1, 2, 3]
    freqs = watch.freqs()
    assert len(freqs) == 3 and all(
        near(f, TONES[i]) for i, f in zip(TONES, freqs, strict=True)), freqs
    gaps = watch.gaps_ms()
    print(f"gaps between songs in the WAV output: {[round(g) for g in gaps]} ms")
    assert all(g < 500 for g in gaps), gaps


def test_previous_and_restart_play_from_the_start_of_that_song(start_agent, peer, songs,
                                                               device_id):
    agent = start_agent()
    queue = Queue(peer, device_id, songs, "long")
    with WavWatch(Path(agent.config.audio_file)) as watch:
        queue.send(current=2)
        peer.wait_state(playing(2, at_least_ms=1500))
        queue.send(current=1)  # previous, as the backend sends it
        peer.wait_state(playing(1, at_least_ms=1500))
        restart = queue.send(current=1)  # restart
        after = peer.wait_state(lambda s: s["command_id"] == restart
                                and s["status"] == "playing")
        assert after["queue_item_id"] == 1 and after["position_ms"] < 1000
        peer.wait_state(playing(1, at_least_ms=500))
    freqs = watch.freqs()  # each command started its song anew
    assert len(freqs) == 3 and all(
        near(f, TONES[i]) for i, f in zip((2, 1, 1), freqs, strict=True)), freqs


def test_a_rebooted_agent_goes_on_with_the_queue_where_it_was(start_agent, peer, songs,
                                                              device_id):
    agent = start_agent()
    Queue(peer, device_id, songs, "long").send(current=2)
    peer.wait_state(playing(2, at_least_ms=6000), timeout=15)
    agent.close()  # SIGTERM, as a reboot sends it
    peer.states.clear()

    again = start_agent("after-reboot.wav")  # no command: the device's own copy
    with WavWatch(Path(again.config.audio_file)) as watch:
        state = peer.wait_state(playing(2), timeout=15)
        peer.wait_state(playing(2, at_least_ms=state["position_ms"] + 500))

    # saved every few seconds: it goes on near where it was, not from the start
    assert state["position_ms"] >= 1000, state
    assert near(watch.freqs()[0], TONES[2]), watch.freqs()
