"""Prometheus metrics of the relay (served on `--metrics-port`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.published = Counter("venuebus_relay_published", "Outbox rows published and "
                                 "confirmed", registry=r)
        self.failures = Counter("venuebus_relay_failures", "Relay rounds that failed",
                                registry=r)
        self.returned = Gauge("venuebus_relay_unroutable", "Messages no queue was bound for",
                              registry=r)
        self.pending = Gauge("venuebus_outbox_pending", "Unpublished outbox rows", registry=r)
        self.quarantined = Gauge("venuebus_outbox_quarantined", "Outbox rows set aside after "
                                 "the broker refused them too often", registry=r)
        self.lag = Gauge("venuebus_outbox_lag_seconds", "Age of the oldest unpublished row",
                         registry=r)
        self.confirm_seconds = Histogram("venuebus_relay_confirm_seconds",
                                         "Time from publishing a batch to its last confirm",
                                         registry=r)
