"""Now playing, complete: artist from the file's tags, and seek, measured in the WAV that
real libvlc writes."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.speakers import new_command
from device.media_server import MediaServer, make_tone
from tests.support.device import WAV_HEADER, size
from tests.support.wav_watch import PROBE_BYTES, tone_frequency


@pytest.fixture(scope="module")
def songs(tmp_path_factory) -> Iterator[MediaServer]:
    directory = tmp_path_factory.mktemp("now-playing")
    low, high = make_tone(directory / "low.wav", 10, 300), make_tone(directory / "high.wav",
                                                                       10, 1200)
    # ten seconds at 300 Hz, then ten at 1200 Hz: where the WAV is tells its frequency
    subprocess.run([shutil.which("sox") or "sox", str(low), str(high),
                    str(directory / "two-halves.wav")], check=True, timeout=60)
    subprocess.run([shutil.which("sox") or "sox", "-n", "-r", "44100", "-c", "2",
                    "--comment", "ARTIST=The Testers", str(directory / "tagged.ogg"),
                    "synth", "10", "sine", "500"], check=True, timeout=60)
    with MediaServer(directory) as server:
        yield server


def play(peer, device_id: str, query: str) -> None:
    peer.send(new_command("play", int(device_id), str(uuid.uuid4()), query=query))


def recent_frequency(path: Path) -> float:
    end = WAV_HEADER + (size(path) - WAV_HEADER) // 4 * 4
    with open(path, "rb") as f:
        f.seek(max(WAV_HEADER, end - PROBE_BYTES))
        return tone_frequency(f.read(PROBE_BYTES))


def test_the_artist_comes_from_the_files_own_tags(start_agent, peer, songs, device_id):
    start_agent()
    play(peer, device_id, songs.url("tagged.ogg"))

    state = peer.wait_state(lambda s: s["status"] == "playing" and s["artist"])

    assert state["artist"] == "The Testers" and state["title"] == "tagged"


def test_seek_moves_the_position_and_the_audio(start_agent, peer, songs, device_id):
    agent = start_agent()
    out = Path(agent.config.audio_file)
    play(peer, device_id, songs.url("two-halves.wav"))
    peer.wait_state(lambda s: s["status"] == "playing" and s["position_ms"] >= 1000)
    assert abs(recent_frequency(out) - 300) < 15  # the first half

    seek = new_command("seek", int(device_id), str(uuid.uuid4()), position_ms=14_000)
    sent = time.monotonic()
    peer.send(seek)
    deadline = sent + 5
    while abs(recent_frequency(out) - 1200) > 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    took = time.monotonic() - sent

    print(f"seek heard in the WAV after {took * 1000:.0f} ms")
    assert abs(recent_frequency(out) - 1200) < 60, "the WAV did not move to the second half"
    state = peer.wait_state(lambda s: s["command_id"] == seek.command_id)
    assert 14_000 <= state["position_ms"] < 16_000
    later = peer.wait_state(lambda s: s["position_ms"] >= 15_000)
    assert later["position_ms"] < 19_000  # it plays on from there, not from the start
