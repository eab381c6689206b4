"""Waiting between reconnects: the one backoff of the relay, the consume loop, the
consumers' wait for their database and the speaker's state publisher."""

from __future__ import annotations

import random
import threading


class Backoff:
    """Delays that double from `first` up to `most`, each waited on `stop`: a stop ends
    the wait at once. `jitter` adds up to that share of the delay at random (many clients
    losing one broker do not all come back in step)."""

    def __init__(self, stop: threading.Event, first: float = 0.5, most: float = 10.0, *,
                 jitter: float = 0.0) -> None:
        self.stop, self.first, self.most, self.jitter = stop, first, most, jitter
        self.delay = first  # the next wait, before jitter

    def reset(self) -> None:
        """Back to the first delay (the connection worked)."""
        self.delay = self.first

    def wait(self) -> bool:
        """Wait the next delay; False as soon as `stop` is set (at once if it already is),
        True when the delay passed."""
        delay = self.delay + random.uniform(0, self.delay * self.jitter)
        self.delay = min(self.delay * 2, self.most)
        return not self.stop.wait(delay)
