"""Watching the WAV file libvlc's afile output writes, song by song.

afile opens its file anew for every song (the size drops back to a fresh header and a
first buffer), so a song is a run of growth between two drops. A watcher thread polls the
size every few ms and keeps, per song: when its first and last bytes were written and the
frequency of its first 0.2 s (zero crossings of the left channel), which tells the tones
of the test songs apart.
"""

from __future__ import annotations

import array
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.device import WAV_HEADER, size

PROBE_BYTES = 44_100 // 5 * 4  # 0.2 s of 44.1 kHz stereo s16


@dataclass
class Song:
    started_at: float  # monotonic time its first bytes were seen
    last_write_at: float
    freq: float | None = None


def tone_frequency(data: bytes, rate: int = 44_100) -> float:
    """The frequency of a sine in stereo s16 `data`, from its left channel's crossings."""
    left = array.array("h", data[: len(data) // 4 * 4])[::2]
    crossings = sum(1 for a, b in zip(left, left[1:], strict=False) if (a < 0) != (b < 0))
    return crossings / 2 / (len(left) / rate)


class WavWatch:
    """`with WavWatch(path) as watch: ...`; `watch.songs` as they came."""

    def __init__(self, path: Path, every: float = 0.005) -> None:
        self.path, self.every = Path(path), every
        self.songs: list[Song] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WavWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def gaps_ms(self) -> list[float]:
        """How long the output stood still between one song's last bytes and the next's
        first, in ms."""
        return [(b.started_at - a.last_write_at) * 1000
                for a, b in zip(self.songs, self.songs[1:], strict=False)]

    def freqs(self) -> list[float | None]:
        return [s.freq for s in self.songs]

    def _run(self) -> None:
        last = 0
        while not self._stop.wait(self.every):
            now, current = time.monotonic(), size(self.path)
            if current < last or (current > 0 and not self.songs):
                self.songs.append(Song(now, now))
            elif current > last:
                self.songs[-1].last_write_at = now
            last = current
            song = self.songs[-1] if self.songs else None
            if song is not None and song.freq is None and current >= WAV_HEADER + PROBE_BYTES:
                with open(self.path, "rb") as f:
                    f.seek(WAV_HEADER)
                    data = f.read(PROBE_BYTES)
                if len(data) == PROBE_BYTES:
                    song.freq = tone_frequency(data)
