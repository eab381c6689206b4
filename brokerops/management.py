"""A small client of RabbitMQ's management HTTP API (standard library only, no pika, so
the API's pages may use it): queue counts, the consumers and connections of our vhost.
Its URL and credentials come from Config (`BROKER_API_URL`, `_USER`, `_PASSWORD`, else
AMQP_URL's host and credentials on port 15672); the vhost is AMQP_URL's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from brokerops.admin import BrokerAdmin, BrokerAdminError
from contracts.topology import dead_queue, queue_name
from models.core.config import Config

# the connection name ConfirmingPublisher gives the relay (a test holds the two equal)
RELAY_CONNECTION_NAME = "venuebus-relay"


class ManagementUnavailable(RuntimeError):
    """The management API did not answer, refused our credentials or answered nonsense."""


@dataclass(frozen=True)
class QueueCounts:
    """A consumer's queue as the broker last reported it (`exists` False: not declared)."""

    consumer: str
    queue: str
    ready: int = 0
    unacked: int = 0
    consumers: int = 0
    dead: int = 0
    exists: bool = True


@dataclass(frozen=True)
class ConnectionSeen:
    """A client connection: the name it gave itself, where from, and since when."""

    name: str
    client_name: str
    peer: str
    state: str
    connected_at: datetime | None


@dataclass(frozen=True)
class ConsumerSeen:
    """One consumer on a queue, with the connection (process) that holds it."""

    queue: str
    consumer_tag: str
    client_name: str
    peer: str


@dataclass(frozen=True)
class BrokerOverview:
    queues: list[QueueCounts]
    consumers: list[ConsumerSeen]
    relays: list[ConnectionSeen]


class ManagementClient(BrokerAdmin):
    """GETs against one vhost of the management API, through the provisioner's client;
    every call has a timeout and raises ManagementUnavailable on any failure (never
    hangs, never leaks urllib's errors)."""

    def __init__(self, base_url: str, user: str, password: str, vhost: str,
                 timeout: float = 5.0) -> None:
        super().__init__(base_url, user, password, timeout=timeout)
        self.vhost = vhost

    @classmethod
    def from_config(cls, config: Config, timeout: float = 5.0) -> ManagementClient:
        """The management API the speaker provisioner uses too (`Config.broker_api`:
        BROKER_API_URL/USER/PASSWORD, by default AMQP_URL's host on port 15672 with its
        credentials), in AMQP_URL's vhost."""
        return cls(*config.broker_api, config.broker_vhost, timeout)

    def get(self, path: str) -> Any:
        """The JSON answer to GET `path` (e.g. "/api/queues/{vhost}", where {vhost} is
        replaced by this client's vhost, quoted)."""
        api_path = path.removeprefix("/api/").replace("{vhost}", quote(self.vhost, safe=""))
        try:
            return self.call("GET", api_path)
        except (BrokerAdminError, ValueError) as exc:  # refused, unreachable, bad JSON
            raise ManagementUnavailable(f"{self.base_url}: {exc}") from exc

    def connections(self) -> list[ConnectionSeen]:
        return [ConnectionSeen(
            name=c["name"], client_name=(c.get("client_properties") or {}).get(
                "connection_name", ""),
            peer=f"{c.get('peer_host')}:{c.get('peer_port')}", state=str(c.get("state", "")),
            connected_at=datetime.fromtimestamp(c["connected_at"] / 1000, UTC)
            if c.get("connected_at") else None)
            for c in self.get("/api/vhosts/{vhost}/connections")]

    def consumers(self, connections: Iterable[ConnectionSeen] = ()) -> list[ConsumerSeen]:
        """Every consumer of the vhost, named by its connection's client name where
        `connections` knows it."""
        names = {c.name: c.client_name for c in connections}
        seen = []
        for c in self.get("/api/consumers/{vhost}"):
            channel = c.get("channel_details") or {}
            seen.append(ConsumerSeen(
                queue=c["queue"]["name"], consumer_tag=c["consumer_tag"],
                client_name=names.get(channel.get("connection_name"), ""),
                peer=f"{channel.get('peer_host')}:{channel.get('peer_port')}"))
        return sorted(seen, key=lambda s: (s.queue, s.client_name, s.consumer_tag))

    def queue_counts(self, consumers: Iterable[str]) -> list[QueueCounts]:
        """Ready, unacked and consumers of each consumer's queue, and its `.dead` depth.
        The broker refreshes these figures every few seconds, not on every message."""
        found = {q["name"]: q for q in self.get(
            "/api/queues/{vhost}?columns=name,messages_ready,messages_unacknowledged,"
            "messages,consumers")}
        rows = []
        for consumer in consumers:
            main, dead = found.get(queue_name(consumer)), found.get(dead_queue(consumer))
            if main is None:
                rows.append(QueueCounts(consumer, queue_name(consumer), exists=False))
                continue
            rows.append(QueueCounts(
                consumer, main["name"], ready=int(main.get("messages_ready") or 0),
                unacked=int(main.get("messages_unacknowledged") or 0),
                consumers=int(main.get("consumers") or 0),
                dead=int((dead or {}).get("messages") or 0)))
        return rows

    def overview(self, consumers: Iterable[str]) -> BrokerOverview:
        """Queue counts, the consumers seen and the relay's connections, in three GETs."""
        connections = self.connections()
        return BrokerOverview(
            queues=self.queue_counts(consumers), consumers=self.consumers(connections),
            relays=[c for c in connections if c.client_name == RELAY_CONNECTION_NAME])
