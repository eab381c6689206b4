"""A delivery as the consume loop hands it to the work: decoded once, never raising.

Decoding is the message's business: whatever goes wrong while reading it (a body past
the loop's size bound, JSON nested deep enough to exhaust the recursion limit, an
undecodable header) marks that one delivery `malformed`, and the loop dead-letters it
alone. Nothing a publisher puts in a message may stop the loop. See bus.consume for the
trust rules of the `x-venuebus-*` headers."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bus.messages import ATTEMPT_HEADER, ORIGIN_HEADER, PUBLISHER_HEADER, RECEIVED_HEADER
from contracts.envelope import TYPE_PREFIX, ContractError, DomainEvent
from contracts.registry import REGISTRY

E = TypeVar("E", bound=DomainEvent)


class Permanent(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it now."""


class Unavailable(Exception):
    """Raised by a handler when a peer its effect needs does not answer, or fails on its
    own side (refused, timed out, a 5xx): not the message's fault. The work waits and
    tries again; the message stays in its queue and costs no attempt. `reason` is what
    operators are shown ("management API unreachable")."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    message_id: str
    routing_key: str
    type: str
    data: dict
    envelope: dict
    headers: dict
    attempt: int
    redelivered: bool
    delivery_tag: int = field(default=0, compare=False)
    body: bytes = field(default=b"", repr=False, compare=False)
    properties: Any = field(default=None, repr=False, compare=False)
    # server time (epoch seconds) this delivery arrived; a retry keeps the time of the
    # delivery that failed (x-venuebus-received-at), a broker redelivery is a new arrival
    received_at: float = field(default_factory=time.time, compare=False)
    publisher: str | None = None  # the broker-validated user_id of the first publisher
    malformed: str | None = None  # why it cannot be read (size, headers...): dead-letter it

    def event(self, kind: type[E] | None = None) -> E:
        """The payload decoded by its contract class (`kind`, or the one its type names),
        as it was encoded; Permanent (dead-letter at once) when it does not decode."""
        if kind is None:
            kind = REGISTRY.get(self.type.removeprefix(TYPE_PREFIX))
            if kind is None:
                raise Permanent(f"no contract for the event type {self.type!r}")
        try:
            return kind.from_data(self.data)
        except ContractError as exc:
            raise Permanent(str(exc)) from exc

    def int_field(self, name: str) -> int:
        """The integer field `name` of the decoded event (see `event`)."""
        value = getattr(self.event(), name, None)
        if type(value) is not int:
            raise Permanent(f"{self.routing_key} without a valid {name}")
        return value

    @property
    def broker_deliveries(self) -> int:
        """How often the broker has delivered this message, this time included: a
        quorum queue counts the earlier unanswered ones in `x-delivery-count`."""
        return int(self.headers.get("x-delivery-count") or 0) + 1


def _retry_headers(method, props, own_user: str | None
                   ) -> tuple[dict, int, str, str | None, str | None]:
    """(headers, attempt, routing key, publisher, malformed) of a message: the
    `x-venuebus-*` headers count only when `own_user` republished it."""
    headers = dict(props.headers or {})
    if own_user is None or props.user_id != own_user:  # not from our retry path
        headers = {k: v for k, v in headers.items() if not k.startswith("x-venuebus-")}
        return headers, 1, str(method.routing_key), props.user_id, None
    attempt, origin = headers.get(ATTEMPT_HEADER, 1), headers.get(ORIGIN_HEADER)
    publisher = headers.get(PUBLISHER_HEADER)
    if isinstance(origin, bytes | bytearray):
        origin = bytes(origin).decode(errors="replace")
    if isinstance(publisher, bytes | bytearray):
        publisher = bytes(publisher).decode(errors="replace")
    if type(attempt) is not int or attempt < 1 or not isinstance(origin, str | None) \
            or not isinstance(publisher, str | None):
        return headers, 1, str(method.routing_key), None, "malformed x-venuebus headers"
    return headers, attempt, origin or str(method.routing_key), publisher, None


def parse_delivery(method, props, body: bytes, own_user: str | None = None, *,
                   max_body: int | None = None) -> Delivery:
    """A Delivery from a raw AMQP message; never raises. A body that is not a CloudEvents
    JSON document still becomes a Delivery (with empty data) so the work can dead-letter
    it; a body longer than `max_body`, or one whose decoding raised anything else
    (RecursionError on deep nesting), is `malformed`: the loop dead-letters it without
    running the work. `own_user` is the loop's broker user (see bus.consume)."""
    try:
        if max_body is not None and len(body) > max_body:
            return _unread(method, props, body, f"body of {len(body)} bytes is larger "
                                                f"than the {max_body} this queue takes")
        return _decoded(method, props, body, own_user)
    except Exception as exc:  # noqa: BLE001 - whatever a publisher sends is its fault
        return _unread(method, props, body, f"undecodable delivery: {exc!r}"[:500])


def _unread(method, props, body: bytes, why: str) -> Delivery:
    """The delivery of a message that is not read: enough to dead-letter it."""
    return Delivery(
        message_id=_text(getattr(props, "message_id", None)),
        routing_key=_text(getattr(method, "routing_key", None)),
        type=_text(getattr(props, "type", None)), data={}, envelope={}, headers={},
        attempt=1, redelivered=bool(getattr(method, "redelivered", False)),
        delivery_tag=method.delivery_tag, body=body, properties=props,
        publisher=None, malformed=why)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode(errors="replace")
    return "" if value is None else str(value)


def _decoded(method, props, body: bytes, own_user: str | None) -> Delivery:
    headers, attempt, routing_key, publisher, malformed = _retry_headers(method, props,
                                                                         own_user)
    try:
        received_at = float(headers[RECEIVED_HEADER]) / 1000
    except (KeyError, TypeError, ValueError):
        received_at = time.time()
    try:
        envelope = json.loads(body)
        if not isinstance(envelope, dict):
            raise ValueError("not an object")
    except ValueError:
        envelope = {}
    return Delivery(
        message_id=str(props.message_id or envelope.get("id") or ""),
        routing_key=routing_key, type=str(props.type or envelope.get("type") or ""),
        data=envelope.get("data") if isinstance(envelope.get("data"), dict) else {},
        envelope=envelope, headers=headers, attempt=attempt,
        redelivered=bool(method.redelivered), delivery_tag=method.delivery_tag, body=body,
        properties=props, received_at=received_at, publisher=publisher,
        malformed=malformed)
