"""Operator access to dead letters: list them and put them back in their queue."""

from __future__ import annotations

from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel

from bus.messages import ATTEMPT_HEADER, ERROR_HEADER, ORIGIN_HEADER
from contracts.topology import REPLAY_EXCHANGE, dead_queue, queue_name


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    type: str
    attempts: int
    last_error: str
    routing_key: str
    payload: str  # the body as the broker holds it (UTF-8, undecodable bytes replaced)


PAGE = 50  # letters an operator is shown at once
PAYLOAD_SHOWN = 4096  # bytes of a payload shown (a dead letter may be anything)


def _letter(method, props, body: bytes) -> DeadLetter:
    """What an operator is shown of a dead letter; never raises: its headers and body
    are whatever a publisher sent (a forged `x-death`, a count that is no number)."""
    headers = props.headers if isinstance(props.headers, dict) else {}
    payload = body[:PAYLOAD_SHOWN].decode("utf-8", "replace")
    if len(body) > PAYLOAD_SHOWN:
        payload += f"\u2026 ({len(body)} bytes in all)"
    try:
        deaths = headers.get("x-death") or []
        death = deaths[0] if isinstance(deaths, list) and deaths and isinstance(
            deaths[0], dict) else {}
        attempts = int(headers.get(ATTEMPT_HEADER) or death.get("count") or 1)
        error = headers.get(ERROR_HEADER) or (
            f"dead-lettered by the broker ({death.get('reason')})" if death else "")
    except (TypeError, ValueError):
        attempts, error = 0, "unreadable dead-letter headers"
    return DeadLetter(_shown(props.message_id), _shown(props.type), attempts,
                      _shown(error), _shown(headers.get(ORIGIN_HEADER) or method.routing_key),
                      payload)


def _shown(value, limit: int = 1000) -> str:
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    return str(value)[:limit]


# headers the broker adds: a replay must not carry them back (a stale x-delivery-count
# would make the consumer give the message up unrun; x-death et al. describe old deaths)
BROKER_HEADERS = ("x-delivery-count", "x-death", "x-first-death-exchange",
                  "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange",
                  "x-last-death-queue", "x-last-death-reason")


def _drain(channel: BlockingChannel, consumer: str):
    """Yield (method, props, body) of every message now in the dead queue, once each."""
    total = channel.queue_declare(dead_queue(consumer), passive=True).method.message_count
    for _ in range(total):
        method, props, body = channel.basic_get(dead_queue(consumer), auto_ack=False)
        if method is None:
            return
        yield method, props, body


def _copy(props, headers: dict, *, user_id: str | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        message_id=props.message_id, type=props.type, content_type=props.content_type,
        delivery_mode=2, timestamp=props.timestamp, headers=headers, user_id=user_id)


def _put_back(channel: BlockingChannel, consumer: str, method, props, body: bytes) -> None:
    """Return a dead letter to the tail of its queue as a confirmed copy, then ack the
    original: handing it back unacked (nack, requeue) would raise its delivery count in
    the quorum queue every time. A crash between the two leaves a duplicate dead letter,
    never a lost one."""
    headers = {k: v for k, v in (props.headers or {}).items() if k != "x-delivery-count"}
    channel.basic_publish(REPLAY_EXCHANGE, dead_queue(consumer), body, _copy(props, headers),
                          mandatory=True)
    channel.basic_ack(method.delivery_tag)


def list_dead(channel: BlockingChannel, consumer: str, limit: int = PAGE
              ) -> list[DeadLetter]:
    """The first `limit` dead letters of `consumer`. Reads those and no more, however
    deep the queue (up to DEAD_LETTERS_MAX): they are taken unacked on a channel of
    their own, which is then closed, and the broker puts them back at the head of the
    queue. Nothing is copied and no letter moves past the page, but the broker returns
    the page in an order of its own (RabbitMQ 3.x; a copy to the tail, as this did
    before, kept the order at the cost of reading every letter on every look). A quorum
    queue counts the return: each look adds one to those letters' `x-delivery-count`
    (dead queues have no delivery limit; a replay strips the count). Raises
    ChannelClosedByBroker (404) when the dead queue does not exist."""
    peek = channel.connection.channel()
    letters: list[DeadLetter] = []
    try:
        while len(letters) < limit:
            method, props, body = peek.basic_get(dead_queue(consumer), auto_ack=False)
            if method is None:
                break
            letters.append(_letter(method, props, body))
    finally:
        if peek.is_open:
            peek.close()
    return letters


def replay_dead(channel: BlockingChannel, consumer: str, message_id: str | None = None,
                *, user_id: str | None = None) -> int:
    """Move dead letters (all, or the one with `message_id`) back to the consumer's queue
    with a fresh attempt count and without the broker's headers, so the handler runs
    again. Returns how many were replayed. `user_id` (the broker user of this
    connection, the consumer's own) makes the consumer trust the kept `x-venuebus-*`
    headers (their origin routing key): it trusts only its own."""
    channel.confirm_delivery()
    replayed = 0
    for method, props, body in _drain(channel, consumer):
        if message_id is not None and props.message_id != message_id:
            _put_back(channel, consumer, method, props, body)
            continue
        headers = {k: v for k, v in (props.headers or {}).items()
                   if k != ERROR_HEADER and k not in BROKER_HEADERS}
        headers[ATTEMPT_HEADER] = 1
        channel.basic_publish(REPLAY_EXCHANGE, queue_name(consumer), body,
                              _copy(props, headers, user_id=user_id), mandatory=True)
        channel.basic_ack(method.delivery_tag)
        replayed += 1
    return replayed
