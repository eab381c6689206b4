"""Speaker group start skew: `python -m bench.speaker_group [--starts 20]`.

Two real agents in one group on a fresh vhost, each writing its own WAV through libvlc;
their queues are bound to the group's keys as the backend binds them, and group plays are
published as the relay publishes them (start time 400 ms ahead). One member's clock runs
300 ms ahead of the server's, so the figure includes the clock offset each device
estimates. The skew of a start is the gap between the two WAV onsets (polled every 1 ms).
Target: p95 < 30 ms over 20 starts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.common import percentile, table
from device.media_server import MediaServer, make_tone
from tests.support.services import fresh_vhost, rabbitmq_server
from tests.support.speaker_group import Group

TARGET_P95_MS = 30.0


def run(starts: int) -> list[float]:
    skews: list[float] = []
    # both agents and the WAV poller share one interpreter here (on Pis each has its own):
    # a thread woken at its start time must not wait out another's 5 ms GIL slice
    sys.setswitchinterval(0.0005)
    with tempfile.TemporaryDirectory() as tmp_, rabbitmq_server() as server, \
            fresh_vhost(server) as amqp_url:
        tmp = Path(tmp_)
        make_tone(tmp / "song.wav", 30)
        with MediaServer(tmp) as media, Group(amqp_url, tmp, clocks_ahead_s=(0.0, 0.3)) as g:
            song = media.url("song.wav")
            for n in range(starts + 1):  # the first warms yt-dlp up: not counted
                before = g.songs()
                play = g.send("play", query=song)
                g.wait_all(lambda s, c=play: s["command_id"] == c and s["status"] == "playing")
                deadline = time.monotonic() + 5
                while any(now <= was for now, was in zip(g.songs(), before, strict=True)):
                    if time.monotonic() > deadline:
                        raise TimeoutError("a member wrote no new song")
                    time.sleep(0.005)
                a, b = g.onsets()
                if n:
                    skews.append(abs(a - b) * 1000)
                g.wait_written()  # so that the next song's truncation shows
                stop = g.send("stop")
                g.wait_all(lambda s, c=stop: s["command_id"] == c)
    return skews


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args(argv or [])
    skews = run(args.starts)
    p95 = percentile(skews, 95)
    table("speaker group start skew (ms), two agents, one clock 300 ms ahead",
          ["starts", "p50", "p95", "max", "target p95"],
          [[len(skews), percentile(skews, 50), p95, max(skews), TARGET_P95_MS]])
    print("PASS" if p95 < TARGET_P95_MS else "FAIL")


if __name__ == "__main__":
    main(sys.argv[1:])
