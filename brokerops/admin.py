"""A small client of the RabbitMQ management HTTP API: the users, permissions, queues and
connections the speaker provisioner manages (the operator page reads through it too:
brokerops/management.py). Standard library only (urllib); every call has a
timeout. Deleting what is already gone is a success, so every call is idempotent."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from models.core.config import Config

UNREACHABLE = "management API unreachable"
# answers that say nothing about the call itself: our credentials or the broker's state
NOT_THE_CALLS_FAULT = (401, 403, 408, 429)


class BrokerAdminError(RuntimeError):
    """The management API refused a call or could not be reached. `wait_reason` is set
    when the fault is not the call's (no answer, a timeout, a 5xx, our credentials
    refused): the caller should wait and try again rather than give the call up."""

    def __init__(self, message: str, wait_reason: str | None = None) -> None:
        super().__init__(message)
        self.wait_reason = wait_reason


def _q(name: str) -> str:
    return quote(name, safe="")


class BrokerAdmin:
    def __init__(self, base_url: str, user: str, password: str, *,
                 timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Config) -> BrokerAdmin:
        return cls(*config.broker_api)

    def call(self, method: str, path: str, body: Any = None, *,
             missing_ok: bool = False) -> Any:
        """`method` on `/api/<path>`; the decoded JSON answer (None when empty, or when
        missing_ok and the broker answers 404). Raises BrokerAdminError."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.base_url}/api/{path}", data=data, method=method,
                                     headers={"Authorization": self._auth,
                                              "Content-Type": "application/json",
                                              "X-Reason": "venuebus provisioner"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as answer:  # noqa: S310
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and missing_ok:
                return None
            waits = exc.code >= 500 or exc.code in NOT_THE_CALLS_FAULT
            raise BrokerAdminError(f"{method} /api/{path}: HTTP {exc.code} "
                                   f"{exc.read()[:200]!r}",
                                   f"management API answers HTTP {exc.code}" if waits
                                   else None) from None
        except (urllib.error.URLError, OSError) as exc:
            raise BrokerAdminError(f"{method} /api/{path}: the management API did not "
                                   f"answer ({exc!r}); is the plugin enabled? "
                                   "rabbitmq-plugins enable rabbitmq_management",
                                   UNREACHABLE) from None
        return json.loads(raw) if raw else None

    # -- users and permissions ------------------------------------------------------------
    def put_user(self, name: str, password_hash: str, tags: str = "") -> None:
        self.call("PUT", f"users/{_q(name)}", {
            "password_hash": password_hash, "tags": tags,
            "hashing_algorithm": "rabbit_password_hashing_sha256"})

    def delete_user(self, name: str) -> None:
        self.call("DELETE", f"users/{_q(name)}", missing_ok=True)

    def user_exists(self, name: str) -> bool:
        return self.call("GET", f"users/{_q(name)}", missing_ok=True) is not None

    def set_user_limits(self, name: str, **limits: int) -> None:
        """Per-user limits, e.g. max_connections=4 (the broker's `max-connections`)."""
        for key, value in limits.items():
            self.call("PUT", f"user-limits/{_q(name)}/{key.replace('_', '-')}",
                      {"value": value})

    def set_permissions(self, vhost: str, user: str, *, configure: str, write: str,
                        read: str) -> None:
        self.call("PUT", f"permissions/{_q(vhost)}/{_q(user)}",
                  {"configure": configure, "write": write, "read": read})

    def set_topic_permissions(self, vhost: str, user: str, exchange: str, *, write: str,
                              read: str) -> None:
        self.call("PUT", f"topic-permissions/{_q(vhost)}/{_q(user)}",
                  {"exchange": exchange, "write": write, "read": read})

    # -- topology --------------------------------------------------------------------------
    def declare_exchange(self, vhost: str, name: str, type_: str = "topic") -> None:
        self.call("PUT", f"exchanges/{_q(vhost)}/{_q(name)}",
                  {"type": type_, "durable": True, "auto_delete": False})

    def declare_queue(self, vhost: str, name: str, arguments: dict[str, Any]) -> None:
        self.call("PUT", f"queues/{_q(vhost)}/{_q(name)}",
                  {"durable": True, "auto_delete": False, "arguments": arguments})

    def delete_queue(self, vhost: str, name: str) -> None:
        self.call("DELETE", f"queues/{_q(vhost)}/{_q(name)}", missing_ok=True)

    def put_policy(self, vhost: str, name: str, definition: dict[str, Any]) -> None:
        """Create or replace the policy `name` (pattern, apply-to, priority, definition)."""
        self.call("PUT", f"policies/{_q(vhost)}/{_q(name)}", definition)

    def bind(self, vhost: str, exchange: str, queue: str, routing_key: str) -> None:
        self.call("POST", f"bindings/{_q(vhost)}/e/{_q(exchange)}/q/{_q(queue)}",
                  {"routing_key": routing_key})

    def unbind(self, vhost: str, exchange: str, queue: str, routing_key: str) -> None:
        """Remove a binding made by `bind` (no arguments: its properties key is the
        routing key itself). Gone already is fine."""
        self.call("DELETE", f"bindings/{_q(vhost)}/e/{_q(exchange)}/q/{_q(queue)}/"
                  f"{_q(routing_key)}", missing_ok=True)

    # -- connections -----------------------------------------------------------------------
    # By user name, the broker's own connection tracking answers (up to date at once);
    # the per-name endpoints read the statistics database, which lags or may be off.
    def connections_of(self, user: str) -> list[str]:
        """Names of `user`'s open connections."""
        found = self.call("GET", f"connections/username/{_q(user)}", missing_ok=True)
        return [c["name"] for c in found or []]

    def close_connections(self, user: str) -> None:
        """Close every open connection of `user` (none open is fine)."""
        self.call("DELETE", f"connections/username/{_q(user)}", missing_ok=True)
