"""Operator access to dead letters: list them and put them back in their queue."""

from __future__ import annotations

from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel

from bus.messages import ATTEMPT_HEADER, ERROR_HEADER, ORIGIN_HEADER
from contracts.topology import dead_queue, queue_name


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    type: str
    attempts: int
    last_error: str
    routing_key: str
    payload: str  # the body as the broker holds it (UTF-8, undecodable bytes replaced)


def _letter(method, props, body: bytes) -> DeadLetter:
    headers = props.headers or {}
    deaths = headers.get("x-death") or []
    attempts = headers.get(ATTEMPT_HEADER) or (deaths[0].get("count") if deaths else 1)
    error = headers.get(ERROR_HEADER) or (
        f"dead-lettered by the broker ({deaths[0].get('reason')})" if deaths else "")
    return DeadLetter(str(props.message_id), str(props.type), int(attempts),
                      str(error), str(headers.get(ORIGIN_HEADER) or method.routing_key),
                      body.decode("utf-8", "replace"))


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
    channel.basic_publish("", dead_queue(consumer), body, _copy(props, headers),
                          mandatory=True)
    channel.basic_ack(method.delivery_tag)


def list_dead(channel: BlockingChannel, consumer: str) -> list[DeadLetter]:
    """The dead letters of `consumer`; they stay in the queue, in their order, with
    their delivery counts unchanged."""
    channel.confirm_delivery()
    letters = []
    for method, props, body in _drain(channel, consumer):
        letters.append(_letter(method, props, body))
        _put_back(channel, consumer, method, props, body)
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
        channel.basic_publish("", queue_name(consumer), body,
                              _copy(props, headers, user_id=user_id), mandatory=True)
        channel.basic_ack(method.delivery_tag)
        replayed += 1
    return replayed
