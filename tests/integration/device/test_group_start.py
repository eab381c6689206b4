"""A group member's start: the song is opened and buffered before the start time, so
what libvlc spends opening a stream is not added to the start (members whose streams open
at different speeds would part by that much)."""

from __future__ import annotations

import time

from device.media_server import MediaServer, RangeHandler
from device.player import Player, vlc_arguments
from tests.support.device import FakeResolver, StateLog
from tests.support.wav_watch import WavWatch

OPENING_S = 0.3  # the server's delay before every answer: a slow stream to open


class SlowHandler(RangeHandler):
    def send_head(self):
        time.sleep(OPENING_S)
        return super().send_head()


def test_a_timed_start_opens_the_song_before_its_start_time(tmp_path, media_dir):
    out = tmp_path / "out.wav"
    states = StateLog()
    player = Player(FakeResolver(), states, vlc_args=vlc_arguments(audio_file=str(out)),
                    report_every=0.5)
    player.start()
    try:
        with MediaServer(media_dir, handler=SlowHandler) as slow, WavWatch(out, 0.001) as wav:
            late_ms = []
            for _ in range(2):
                songs = len(wav.songs)
                start = time.monotonic() + 1.2
                player.play(slow.url("tone30.wav"), start_in=start - time.monotonic())
                states.wait(lambda s: s.status == "playing")
                deadline = time.monotonic() + 15  # liveness only: the onset is asserted
                while len(wav.songs) == songs:
                    assert time.monotonic() < deadline, "no song in the WAV"
                    time.sleep(0.005)
                late_ms.append((wav.songs[-1].started_at - start) * 1000)
                player.stop()
                states.wait(lambda s: s.status == "stopped")
    finally:
        player.close()
    print(f"onset after the start time (ms): {[round(x, 1) for x in late_ms]}")
    # opened at the start time it would begin OPENING_S (300 ms) late, at least
    assert all(-5 < late < 100 for late in late_ms), late_ms
