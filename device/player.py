"""The libvlc player, owned by one control thread.

Every libvlc call happens on the control thread. libvlc event callbacks only put the
event on the control queue (calling libvlc from a callback deadlocks), and commands
(play, pause, resume, stop, volume) reach the thread through the same queue, so a pause
that arrives while a song plays is obeyed at once. Resolution runs on a worker thread
and posts its result back to the queue. The state is published through `on_state` on
every change and every `report_every` seconds while playing.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from device.resolver import Resolved, Resolver, short_error
from device.state import PlayerState

log = logging.getLogger(__name__)

_VLC_EVENTS = ("MediaPlayerPlaying", "MediaPlayerPaused", "MediaPlayerEndReached",
               "MediaPlayerEncounteredError")


def vlc_arguments(aout: str | None = None, audio_file: str | None = None) -> list[str]:
    """libvlc options: no video, no interface, and the audio output. `audio_file` writes
    the decoded audio as WAV through the `afile` module (option names as in libvlc
    3.0.24's afile plugin: --audiofile-file, --audiofile-wav)."""
    args = ["--no-video", "--intf=dummy", "--quiet", "--no-media-library"]
    if audio_file:
        if aout not in (None, "afile"):
            raise ValueError("--audio-file needs --aout afile")
        args += ["--aout=afile", f"--audiofile-file={audio_file}", "--audiofile-wav"]
    elif aout:
        args.append(f"--aout={aout}")
    return args


MAX_START_WAIT_S = 2.0  # a start time further ahead is a wrong clock, not a plan
PREROLL_TIMEOUT_S = 5.0  # a stream still opening by then starts late rather than never
SPIN_S = 0.002  # the last moments before a start are spun, not slept: a sleep overshoots


def _deadline(start_in: float | None) -> float | None:
    return None if start_in is None else time.monotonic() + min(start_in, MAX_START_WAIT_S)


def _wait_until(deadline: float | None) -> None:
    """Hold the control thread until `deadline` (monotonic): a group's members start at
    one moment. Sleeps to SPIN_S before it, then spins: on a loaded machine a sleep may
    wake several ms late, and those ms would part the members."""
    if deadline is None:
        return
    while (left := deadline - time.monotonic()) > SPIN_S:
        time.sleep(left - SPIN_S)
    while time.monotonic() < deadline:
        pass


class Player:
    """`start()`, then `play(query)`, `pause()`, `resume()`, `stop()`, `volume(level)`;
    all return at once and take effect on the control thread in arrival order."""

    def __init__(self, resolver: Resolver, on_state: Callable[[PlayerState], None], *,
                 vlc_args: list[str] | None = None, report_every: float = 2.0,
                 tick: float = 0.1, early_end_ms: int = 2500, volume: int = 100,
                 software_volume: bool | None = None,
                 on_ended: Callable[[PlayerState], None] | None = None) -> None:
        self._resolver = resolver
        self._on_state = on_state
        # called on the control thread when a song ended by itself (the queue goes on)
        self._on_ended = on_ended or (lambda state: None)
        self._vlc_args = vlc_args if vlc_args is not None else vlc_arguments()
        self._report_every = report_every
        self._tick = tick
        self._early_end_ms = early_end_ms
        self._queue: queue.Queue[tuple] = queue.Queue()
        self._state = PlayerState(volume=volume)
        self._lock = threading.Lock()
        self._song = 0  # bumps on play/stop: results of older resolutions are ignored
        self._start_deadline: float | None = None  # monotonic time a group's play starts
        self._retried = False
        self._want_paused = False
        self._resolving = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve")
        self._thread = threading.Thread(target=self._run, name="player", daemon=True)
        self._last_report = 0.0
        # afile has no volume control: emulate it with the equalizer's preamp instead.
        self._software_volume = (any(a.startswith("--aout=afile") for a in self._vlc_args)
                                 if software_volume is None else software_volume)
        self._equalizer: Any = None
        self._volume_unapplied = False  # a real output may appear after the Playing event
        self._ready = threading.Event()
        self._failure: str | None = None

    # -- public API (any thread) -------------------------------------------------------
    @property
    def state(self) -> PlayerState:
        with self._lock:
            return self._state

    def start(self, timeout: float = 15.0) -> None:
        """Start the control thread; raises RuntimeError when libvlc cannot start (bad
        options, missing plugins), so the agent fails at once instead of going deaf."""
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure:
            raise RuntimeError(self._failure or "libvlc did not start in time")

    def play(self, query: str, command_id: str | None = None, *, item_id: int | None = None,
             start_ms: int = 0, start_in: float | None = None,
             group_play_id: str | None = None) -> None:
        """Play `query` now (`item_id`: the queue item it is, `group_play_id`: the group
        queue's play it is, both reported in the state), or `start_in` seconds from now
        (a group's start: it is loaded meanwhile)."""
        self._queue.put(("play", query, command_id, item_id, start_ms, _deadline(start_in),
                         group_play_id))

    def prefetch(self, query: str) -> None:
        """Resolve `query` ahead of its turn (the resolver caches it), so the next song
        starts without waiting for yt-dlp. Runs after any resolution already asked for."""
        def work() -> None:
            try:
                self._resolver.resolve(query)
            except Exception as exc:  # noqa: BLE001 - its turn will report the error
                log.info("prefetch of %r failed: %s", query, short_error(exc))

        self._resolving.submit(work)

    def pause(self, command_id: str | None = None) -> None:
        self._queue.put(("pause", command_id))

    def resume(self, command_id: str | None = None, start_in: float | None = None) -> None:
        self._queue.put(("resume", command_id, _deadline(start_in)))

    def stop(self, command_id: str | None = None) -> None:
        self._queue.put(("stop", command_id))

    def seek(self, position_ms: int, command_id: str | None = None) -> None:
        self._queue.put(("seek", max(0, int(position_ms)), command_id))

    def volume(self, level: int, command_id: str | None = None) -> None:
        self._queue.put(("volume", max(0, min(100, int(level))), command_id))

    def close(self, timeout: float = 5.0) -> None:
        """Stop playback, release libvlc and end the control thread."""
        if self._thread.is_alive():
            self._queue.put(("close",))
            self._thread.join(timeout)
        self._resolving.shutdown(wait=False, cancel_futures=True)

    # -- control thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            import vlc

            self._vlc = vlc
            self._instance = vlc.Instance(self._vlc_args)
        except Exception as exc:  # noqa: BLE001 - no libvlc: say so at start, not after 15 s
            self._failure = f"libvlc could not start: {exc!r}"
            self._ready.set()
            return
        if self._instance is None:
            self._failure = f"libvlc refused its options: {' '.join(self._vlc_args)}"
            self._ready.set()
            return
        self._player = self._instance.media_player_new()
        events = self._player.event_manager()
        for name in _VLC_EVENTS:
            kind = getattr(vlc.EventType, name)
            events.event_attach(kind, self._on_vlc_event, name)
        if self._software_volume:
            # attached before the first song: changing the preamp later needs no restart
            self._equalizer = vlc.libvlc_audio_equalizer_new()
        self._apply_volume(self.state.volume)
        self._ready.set()
        self._publish(force=True)
        try:
            while True:
                try:
                    item = self._queue.get(timeout=self._tick)
                except queue.Empty:
                    self._on_tick()
                    continue
                if item[0] == "close":
                    break
                try:
                    getattr(self, f"_do_{item[0]}")(*item[1:])
                except Exception as exc:  # one bad command must not kill the thread
                    log.exception("player command %s failed", item[0])
                    self._set(status="error", error=short_error(exc))
                self._on_tick()
        finally:
            self._player.stop()
            self._player.release()
            if self._equalizer is not None:
                self._vlc.libvlc_audio_equalizer_release(self._equalizer)
            self._instance.release()

    def _on_vlc_event(self, event: Any, name: str) -> None:
        # libvlc's own thread: enqueue only, never call libvlc here.
        self._queue.put(("vlc", name))

    def _set(self, force: bool = True, **changes: Any) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)
        self._publish(force)

    def _publish(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_report >= self._report_every:
            self._last_report = now
            self._on_state(self.state)

    def _on_tick(self) -> None:
        if self.state.status != "playing":
            return
        if self._volume_unapplied:
            self._volume_unapplied = self._player.audio_set_volume(self.state.volume) != 0
        position, length = self._player.get_time(), self._player.get_length()
        changes: dict[str, Any] = {}
        if position >= 0:
            changes["position_ms"] = position
        if length > 0:
            changes["duration_ms"] = length
        # the duration once libvlc knows it is news (reports are 10 s apart otherwise)
        news = length > 0 and self.state.duration_ms is None
        self._set(force=news, **changes)

    def _do_play(self, query: str, command_id: str | None, item_id: int | None = None,
                  start_ms: int = 0, deadline: float | None = None,
                  group_play_id: str | None = None) -> None:
        self._song += 1
        self._start_deadline = deadline
        self._retried = False
        self._want_paused = False
        self._player.stop()
        self._set(status="loading", query=query, title=None, source_url=None, artist=None,
                  thumbnail_url=None,
                  position_ms=start_ms, duration_ms=None, error=None,
                  command_id=command_id or self.state.command_id, queue_item_id=item_id,
                  group_play_id=group_play_id)
        self._resolve(query, fresh=False, start_ms=start_ms)

    def _resolve(self, query: str, *, fresh: bool, start_ms: int) -> None:
        song = self._song

        def work() -> None:
            try:
                result: Resolved | Exception = self._resolver.resolve(query, fresh=fresh)
            except Exception as exc:  # reported as the state's error
                result = exc
            self._queue.put(("resolved", song, result, start_ms))

        self._resolving.submit(work)

    def _do_resolved(self, song: int, result: Resolved | Exception, start_ms: int) -> None:
        if song != self._song or self.state.status != "loading":
            return  # stopped or replaced while resolving
        if isinstance(result, Exception):
            self._set(status="error", error=short_error(result))
            return
        media = self._instance.media_new(result.url)
        headers = {k.lower(): v for k, v in result.http_headers.items()}
        if "user-agent" in headers:
            media.add_option(f":http-user-agent={headers['user-agent']}")
        if "referer" in headers:
            media.add_option(f":http-referrer={headers['referer']}")
        if start_ms > 0:
            media.add_option(f":start-time={start_ms / 1000:.3f}")
        if self._start_deadline is not None:
            # open, demux and buffer it now, paused: libvlc's start latency (opening
            # the input, the decoder, the output; 1-25 ms and more on a loaded machine)
            # is paid before the start time, and an unpause (~2 ms) starts it
            media.add_option(":start-paused")
        self._player.set_media(media)
        self._player.play()
        if self._start_deadline is not None:
            self._start_prerolled(self._start_deadline)
            self._start_deadline = None  # a re-resolution later in the song starts at once
        duration = int(result.duration_s * 1000) if result.duration_s else None
        self._set(title=result.title, source_url=result.url, artist=result.artist,
                  thumbnail_url=result.thumbnail_url,
                  duration_ms=duration or self.state.duration_ms)

    def _start_prerolled(self, deadline: float) -> None:
        """Wait until the paused media is ready (or failed), then until `deadline`, and
        unpause. An unpause sent while the input is still opening would be overtaken by
        its start-paused, so the ready state comes first, even past the deadline."""
        vlc_state, ready = self._vlc.State, time.monotonic() + PREROLL_TIMEOUT_S
        # libvlc passes through Playing on its way to the start-paused pause
        settled = (vlc_state.Paused, vlc_state.Stopped, vlc_state.Ended, vlc_state.Error)
        while self._player.get_state() not in settled and time.monotonic() < ready:
            time.sleep(0.002)
        _wait_until(deadline)
        self._player.set_pause(0)

    def _do_pause(self, command_id: str | None) -> None:
        status = self.state.status
        if status == "playing":
            self._player.set_pause(1)
            self._set(status="paused", command_id=command_id)
        elif status == "loading":
            self._want_paused = True
            self._set(command_id=command_id)

    def _do_resume(self, command_id: str | None, deadline: float | None = None) -> None:
        status = self.state.status
        if status == "paused":
            _wait_until(deadline)
            self._player.set_pause(0)
            self._set(status="playing", command_id=command_id)
        elif status == "loading":
            self._want_paused = False
            self._set(command_id=command_id)

    def _do_stop(self, command_id: str | None) -> None:
        self._song += 1
        self._player.stop()
        self._set(status="stopped", position_ms=0, command_id=command_id)

    def _do_seek(self, position_ms: int, command_id: str | None) -> None:
        if self.state.status not in ("playing", "paused"):
            return  # nothing to move within
        length = self._player.get_length()
        if length > 0:
            position_ms = min(position_ms, max(0, length - 500))
        self._player.set_time(position_ms)
        self._set(position_ms=position_ms, command_id=command_id)

    def _do_volume(self, level: int, command_id: str | None) -> None:
        self._apply_volume(level)
        self._set(volume=level, command_id=command_id)

    def _apply_volume(self, level: int) -> None:
        if self._equalizer is not None:
            # -20 dB (the preamp's floor) .. 0 dB, linear in amplitude above the floor
            db = max(-20.0, 20 * math.log10(level / 100)) if level > 0 else -20.0
            self._vlc.libvlc_audio_equalizer_set_preamp(self._equalizer, db)
            self._player.set_equalizer(self._equalizer)
        else:  # refused before an output exists: retried while playing
            self._volume_unapplied = self._player.audio_set_volume(level) != 0

    def _do_vlc(self, name: str) -> None:
        status = self.state.status
        if name == "MediaPlayerPlaying" and status == "loading":
            self._take_tags()
            if self._equalizer is None:
                self._volume_unapplied = self._player.audio_set_volume(self.state.volume) != 0
            if self._want_paused:
                self._player.set_pause(1)
                self._set(status="paused")
            else:
                self._set(status="playing")
        elif name in ("MediaPlayerEndReached", "MediaPlayerEncounteredError"):
            if status not in ("playing", "paused", "loading"):
                return
            ended = (self._vlc.State.Ended, self._vlc.State.Error)
            if self._player.get_state() not in ended:
                return  # a late event of the previous media
            self._on_end(error=name == "MediaPlayerEncounteredError")

    def _take_tags(self) -> None:
        """The artist from the file's own tags when yt-dlp's info had none (local media)."""
        media = self._player.get_media()
        if media is None or self.state.artist:
            return
        artist = media.get_meta(self._vlc.Meta.Artist)
        if artist:
            self._set(force=False, artist=str(artist)[:200])

    def _on_end(self, *, error: bool) -> None:
        state = self.state
        position, length = state.position_ms, state.duration_ms or 0
        early = length > 0 and position < length - self._early_end_ms
        if (early or (error and position > 0)) and not self._retried and state.query:
            # The stream was cut or its URL expired: fresh URL, same place, once per song.
            log.info("early end at %d of %d ms: re-resolving %r", position, length,
                     state.query)
            self._retried = True
            self._set(status="loading")
            self._resolve(state.query, fresh=True, start_ms=position)
        elif error:
            self._set(status="error", error="playback failed")
        else:
            self._set(status="idle", position_ms=length or position)
            self._on_ended(self.state)
