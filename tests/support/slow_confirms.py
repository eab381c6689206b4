"""A broker slow to confirm (a loaded disk), played without touching the broker."""

from __future__ import annotations

from producers.publisher import ConfirmingPublisher


class SlowConfirms(ConfirmingPublisher):
    """A real publisher on a real broker that handles each confirm `delay` seconds after
    it came (in its I/O loop: publishing and the connection go on meanwhile)."""

    def __init__(self, amqp_url: str, delay: float) -> None:
        super().__init__(amqp_url)
        self.delay = delay

    def _on_confirm(self, frame) -> None:
        self._ioloop.call_later(self.delay, lambda: super(SlowConfirms, self)._on_confirm(frame))
