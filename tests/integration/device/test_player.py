"""The libvlc player for real: libvlc 3 writing the decoded audio to a WAV file, media
from a local HTTP server."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.media_server import MediaServer, RangeHandler
from device.player import Player, vlc_arguments
from tests.support.device import (
    FakeResolver,
    StateLog,
    recent_rms,
    rms,
    size,
    wait_growing,
    wait_still,
    wait_until,
)


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out.wav"


@pytest.fixture
def player_parts(out) -> Iterator[tuple[Player, StateLog, FakeResolver]]:
    states, resolver = StateLog(), FakeResolver()
    player = Player(resolver, states, vlc_args=vlc_arguments(audio_file=str(out)),
                    report_every=0.5)
    player.start()
    yield player, states, resolver
    player.close()


def test_play_reaches_playing_and_writes_audio_frames(player_parts, media, out):
    player, states, _ = player_parts
    player.play(media.url("tone30.wav"), command_id="c1")

    playing = states.wait(lambda s: s.status == "playing")
    wait_until(lambda: size(out) > 88_200, what="half a second of audio")  # 44.1k stereo s16
    player.stop()
    states.wait(lambda s: s.status == "stopped")

    assert playing.title == "tone30.wav" and playing.source_url == media.url("tone30.wav")
    assert playing.command_id == "c1"
    assert states.statuses()[:3] == ["idle", "loading", "playing"]
    with wave.open(str(out)) as w:
        assert w.getframerate() == 44100 and w.getnchannels() == 2
    assert rms(out) > 1000  # a tone, not silence


def test_position_and_duration_are_reported_while_playing(player_parts, media):
    player, states, _ = player_parts
    player.play(media.url("tone30.wav"))

    later = states.wait(lambda s: s.status == "playing" and s.position_ms >= 1000, timeout=8)

    assert later.duration_ms == pytest.approx(30_000, abs=100)


def test_pause_resume_and_stop_take_effect_during_playback(player_parts, media, out):
    player, states, _ = player_parts
    player.play(media.url("tone30.wav"))
    # two seconds in: a resume that restarted the song would show in the positions
    states.wait(lambda s: s.status == "playing" and s.position_ms >= 2000)
    wait_growing(out)

    player.pause()
    paused = states.wait(lambda s: s.status == "paused", timeout=2)
    wait_still(out)  # the output stops, it is not only reported as paused
    assert player.state.status == "paused"

    player.resume()
    resumed = states.wait(lambda s: s.status == "playing"
                          and s.position_ms > paused.position_ms + 200)
    wait_growing(out, by=88_200)
    since_resume = [s.position_ms for s in states.states[states.states.index(paused):]]
    assert min(since_resume) >= paused.position_ms - 500  # went on, not from the start
    assert resumed.position_ms < paused.position_ms + 3000  # and skipped nothing

    player.stop()
    states.wait(lambda s: s.status == "stopped", timeout=2)
    wait_still(out)
    assert player.state.status == "stopped"


def test_volume_lowers_the_written_signal(player_parts, media, out):
    player, states, _ = player_parts
    player.play(media.url("tone30.wav"))
    states.wait(lambda s: s.status == "playing")
    wait_growing(out, by=200_000)
    loud = recent_rms(out)

    player.volume(20)
    states.wait(lambda s: s.volume == 20, timeout=2)

    # what libvlc had queued at the old volume drains first; then the signal drops
    wait_until(lambda: recent_rms(out) < loud / 3, timeout=5, interval=0.02,
               what=lambda: f"quieter audio than {loud:.0f} (now {recent_rms(out):.0f})")
    wait_growing(out, by=88_200)
    assert recent_rms(out) < loud / 3  # and stays low


def test_pause_while_loading_starts_paused(player_parts, media, out):
    player, states, _ = player_parts
    player.play(media.url("tone30.wav"))
    player.pause()

    states.wait(lambda s: s.status == "paused")
    wait_still(out)  # held from the start, not playing under a "paused" state
    assert "playing" not in states.statuses()


class CutOnceHandler(RangeHandler):
    """A stream URL that dies: the first GET hangs up after CUT bytes and later requests
    of the same URL are refused (an expired URL), so libvlc cannot recover by itself.
    A freshly resolved URL (`?fresh=N`) is served whole, with ranges."""

    CUT = 5 * 176_400  # five seconds of 44.1 kHz stereo s16
    served: set[str] = set()

    def send_head(self):
        if "fresh=" not in self.path:
            if self.path in self.served:
                self.send_error(403, "URL expired")
                return None
            self.served.add(self.path)
        return super().send_head()

    def copyfile(self, source, outputfile) -> None:
        if "fresh=" not in self.path:
            self._remaining = min(self._remaining, self.CUT)
            self.close_connection = True
        super().copyfile(source, outputfile)


def test_stream_cut_mid_song_is_re_resolved_and_resumed_near_the_position(
        player_parts, media_dir):
    player, states, resolver = player_parts
    with MediaServer(media_dir, handler=CutOnceHandler) as cut:
        player.play(cut.url("tone30.wav"))
        states.wait(lambda s: s.status == "playing")

        # the cut ends the song early: re-resolved with a fresh URL once ...
        wait_until(lambda: states.statuses()[:4] == ["idle", "loading", "playing", "loading"],
                   timeout=15, what="early end")
        # libvlc stops at the failed reconnect, with what it had buffered still unplayed
        cut_at = next(s for s in states.states[3:] if s.status == "loading").position_ms
        assert 500 <= cut_at <= 5500
        assert resolver.calls == [(cut.url("tone30.wav"), False), (cut.url("tone30.wav"), True)]
        assert states.last.source_url == cut.url("tone30.wav") + "?fresh=2"
        # ... and plays on from where it was cut, not from the start
        wait_until(lambda: states.statuses()[4:5] == ["playing"], what="playing again")
        resumed = states.wait(lambda s: s.status == "playing" and s.position_ms >= cut_at + 500)
        assert resumed.position_ms < cut_at + 3000
        replayed = [s.position_ms for s in states.states
                    if (s.source_url or "").endswith("fresh=2")]
        assert min(p for p in replayed if p > 0) >= cut_at - 500  # not from the start
        assert states.statuses() == ["idle", "loading", "playing", "loading", "playing"]


# start()'s wait for the control thread, far beyond the test's own timeout: start() can
# only return in time if the control thread says it failed, not by giving up waiting.
NEVER = 3600.0


@pytest.mark.timeout(60)
def test_libvlc_that_cannot_load_fails_at_start_with_the_reason(monkeypatch):
    """No libvlc on the device (the package missing): the start says why, at once."""
    import vlc

    def missing(*_args):
        raise OSError("libvlc.so.5: cannot open shared object file")

    monkeypatch.setattr(vlc, "Instance", missing)
    player = Player(FakeResolver(), StateLog())

    with pytest.raises(RuntimeError, match="libvlc could not start.*cannot open"):
        player.start(timeout=NEVER)
    player.close()  # nothing left running to stop


@pytest.mark.timeout(60)
def test_libvlc_refusing_its_options_fails_at_start_not_later():
    player = Player(FakeResolver(), StateLog(), vlc_args=["--no-such-libvlc-option"])

    with pytest.raises(RuntimeError, match="libvlc refused"):
        player.start(timeout=NEVER)
    player.close()
