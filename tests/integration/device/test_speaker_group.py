"""A group of two real agents: a group play reaches both through the bindings of their own
queues, they start within the skew target (their WAV onsets), and pause stops both."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.device import wait_growing, wait_still
from tests.support.speaker_group import Group

SKEW_TARGET_MS = 30


def test_a_group_play_starts_both_members_together_and_pause_stops_both(amqp_url, tmp_path,
                                                                        media):
    """One member's clock runs 300 ms ahead of the server's: without its estimated offset
    it would start 300 ms before the other."""
    with Group(amqp_url, tmp_path, clocks_ahead_s=(0.0, 0.3)) as group:
        skews = []
        for _ in range(3):
            songs = group.songs()
            play = group.send("play", query=media.url("tone30.wav"))
            group.wait_all(lambda s, c=play: s["command_id"] == c and s["status"] == "playing")
            deadline = time.monotonic() + 5
            while any(now <= before for now, before in zip(group.songs(), songs, strict=True)):
                assert time.monotonic() < deadline, "a member wrote no new song"
                time.sleep(0.01)
            a, b = group.onsets()
            skews.append(abs(a - b) * 1000)
            group.wait_written()  # so that the next song's truncation shows
            stop = group.send("stop")
            group.wait_all(lambda s, c=stop: s["command_id"] == c)
        print(f"group start skew (ms): {[round(s, 1) for s in skews]}")
        assert sorted(skews)[1] < SKEW_TARGET_MS, skews  # the median of three

        play = group.send("play", query=media.url("tone30.wav"))
        group.wait_all(lambda s: s["command_id"] == play and s["status"] == "playing")
        for agent in group.agents:
            wait_growing(Path(agent.config.audio_file))
        pause = group.send("pause")
        states = group.wait_all(lambda s: s["command_id"] == pause)

        assert [s["status"] for s in states] == ["paused", "paused"]
        for agent in group.agents:
            wait_still(Path(agent.config.audio_file))
