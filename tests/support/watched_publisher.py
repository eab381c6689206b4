"""A real publisher that looks at the outbox when it sends and when confirms come in, so
a test sees the order of publish, confirm and mark instead of only the end state."""

from __future__ import annotations

from collections.abc import Callable

from producers.publisher import ConfirmingPublisher, Outgoing, Pending


class WatchedPublisher(ConfirmingPublisher):
    """Records `(stage, look())` when a batch is handed over ("publishing") and when its
    last confirm is in ("confirmed"); `look` reads the database on its own connection
    (e.g. how many outbox rows are unpublished)."""

    def __init__(self, amqp_url: str, look: Callable[[], int]) -> None:
        super().__init__(amqp_url)
        self.look = look
        self.seen: list[tuple[str, int]] = []

    def publish_async(self, messages: list[Outgoing],
                      on_done: Callable[[], None] | None = None) -> Pending:
        self.seen.append(("publishing", self.look()))
        return super().publish_async(messages, on_done)

    def wait(self, batch: Pending, timeout: float = 30) -> None:  # type: ignore[override]
        super().wait(batch, timeout)
        self.seen.append(("confirmed", self.look()))
