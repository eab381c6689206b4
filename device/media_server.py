"""A small HTTP server for a media directory, with byte ranges so libvlc can seek and
resume. Used by the simulated speaker of `make run`, the tests and the benchmark; binds
to loopback unless told otherwise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeHandler(SimpleHTTPRequestHandler):
    """GET/HEAD of files with `Range: bytes=a-b` (206) and `Accept-Ranges: bytes`."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep stderr quiet
        pass

    def send_head(self):  # noqa: C901 - the one place that parses a range
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404, "File not found")
            return None
        size = os.path.getsize(path)
        start, end = 0, size - 1
        m = _RANGE.match(self.headers.get("Range", "").strip())
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                start = max(0, size - int(m.group(2)))
            if start > end or start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(end - start + 1))
        if self.accept_ranges():
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        f = open(path, "rb")  # noqa: SIM115 - closed by copyfile below
        f.seek(start)
        self._remaining = end - start + 1
        return f

    def accept_ranges(self) -> bool:
        return True

    def copyfile(self, source, outputfile) -> None:
        try:
            remaining = self._remaining
            while remaining > 0:
                chunk = source.read(min(64 * 1024, remaining))
                if not chunk:
                    break
                outputfile.write(chunk)
                remaining -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            source.close()


class MediaServer:
    """`with MediaServer(directory) as server: server.url("song.wav")`."""

    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 0,
                 handler: type[RangeHandler] = RangeHandler) -> None:
        self.directory = Path(directory)
        self._httpd = ThreadingHTTPServer(
            (host, port), partial(handler, directory=str(self.directory)))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="media-server")

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def make_tone(path: Path, seconds: float, freq: int = 440, rate: int = 44100) -> Path:
    """A stereo sine tone made with sox (WAV or OGG by the file's suffix)."""
    subprocess.run([shutil.which("sox") or "sox", "-n", "-r", str(rate), "-c", "2", str(path),
                    "synth", str(seconds), "sine", str(freq), "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    return path


def make_speech(path: Path, text: str) -> Path:
    """Spoken `text` as a WAV file made with espeak-ng."""
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(path), text],
                   check=True, capture_output=True, timeout=60)
    return path


def make_demo_media(directory: Path) -> list[Path]:
    """The demo tracks of `make run` (created once)."""
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for name, maker in (("tone.wav", lambda p: make_tone(p, 120)),
                        ("hello.wav", lambda p: make_speech(
                            p, "Hello from the venuebus speaker. This is a demo track."))):
        path = directory / name
        if not path.exists():
            maker(path)
        made.append(path)
    return made
