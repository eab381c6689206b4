"""Prometheus metrics of a consumer process (served on `--metrics-port`)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ConsumerMetrics:
    def __init__(self, consumer: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        labels = ["consumer"]
        self.consumed = Counter("venuebus_consumed", "Messages handled and acked", labels,
                                registry=r).labels(consumer)
        self.retried = Counter("venuebus_retried", "Messages sent to a retry queue", labels,
                               registry=r).labels(consumer)
        self.dead = Counter("venuebus_dead_lettered", "Messages dead-lettered", labels,
                            registry=r).labels(consumer)
        self.latency = Histogram("venuebus_handler_seconds",
                                 "Handler time per message (its batch's time shared out)",
                                 labels, registry=r).labels(consumer)
        self.dead_depth = Gauge("venuebus_dead_letter_depth", "Messages in the dead-letter "
                                "queue", labels, registry=r).labels(consumer)

    def watch_dead_letters(self, depth: Callable[[], float]) -> None:
        """Read the dead-letter queue's depth when scraped (not on the message path)."""
        self.dead_depth.set_function(depth)

    def record(self, _delivery, outcome, elapsed: float) -> None:
        {"ack": self.consumed, "retry": self.retried, "dead": self.dead}[outcome.action].inc()
        self.latency.observe(elapsed)
