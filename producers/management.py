"""A small client of RabbitMQ's management HTTP API (standard library only, no pika, so
the API's pages may use it): queue counts, the consumers and connections of our vhost.
Its URL and credentials come from Config (`RABBITMQ_MANAGEMENT_URL`, else AMQP_URL's host
and credentials on port 15672); the vhost is AMQP_URL's."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from contracts.topology import dead_queue, node_urls, queue_name
from models.core.config import Config

MANAGEMENT_PORT = 15672
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


class ManagementClient:
    """GETs against one vhost of the management API; every call has a timeout and raises
    ManagementUnavailable on any failure (never hangs, never leaks urllib's errors)."""

    def __init__(self, base_url: str, user: str, password: str, vhost: str,
                 timeout: float = 5.0) -> None:
        self.base_url, self.vhost, self.timeout = base_url.rstrip("/"), vhost, timeout
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._auth = f"Basic {token}"

    @classmethod
    def from_config(cls, config: Config, timeout: float = 5.0) -> ManagementClient:
        amqp = urlsplit(node_urls(config.amqp_url)[0])
        vhost = unquote(amqp.path[1:]) if len(amqp.path) > 1 else "/"
        url = urlsplit(config.rabbitmq_management_url
                       or f"http://{amqp.hostname or 'localhost'}:{MANAGEMENT_PORT}")
        user = unquote(url.username or amqp.username or "guest")
        password = unquote(url.password or amqp.password or "guest")
        base = f"{url.scheme}://{url.hostname}:{url.port or MANAGEMENT_PORT}{url.path}"
        return cls(base, user, password, vhost, timeout)

    def get(self, path: str) -> Any:
        """The JSON answer to GET `path` (e.g. "/api/queues/{vhost}", where {vhost} is
        replaced by this client's vhost, quoted)."""
        url = self.base_url + path.replace("{vhost}", quote(self.vhost, safe=""))
        request = urllib.request.Request(url, headers={"Authorization": self._auth,
                                                       "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as exc:
            raise ManagementUnavailable(f"{url} answered {exc.code} {exc.reason}") from exc
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused, bad JSON
            raise ManagementUnavailable(f"{url} did not answer: {exc}") from exc

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
