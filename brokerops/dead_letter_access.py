"""Dead letters for callers that must not import pika (the operator page): each call
opens a short connection of its own, uses brokerops.deadletters' public functions and
closes it. Broker failures come out as DeadLettersUnavailable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ChannelClosedByBroker

from brokerops.deadletters import PAGE, DeadLetter, list_dead, replay_dead
from bus.connection import connection_parameters

NOT_FOUND = 404


class DeadLettersUnavailable(RuntimeError):
    """The broker could not be reached or refused the operation."""


@contextlib.contextmanager
def _channel(amqp_url: str) -> Iterator[BlockingChannel]:
    try:
        with pika.BlockingConnection(connection_parameters(amqp_url,
                                                           name="venuebus-ops")) as conn:
            yield conn.channel()
    except AMQPError as exc:
        raise DeadLettersUnavailable(f"the broker refused or did not answer: {exc!r}") from exc


def _absent(exc: AMQPError) -> bool:
    return isinstance(exc, ChannelClosedByBroker) and exc.reply_code == NOT_FOUND


def dead_letters(amqp_url: str, consumer: str, limit: int = PAGE) -> list[DeadLetter]:
    """The first `limit` dead letters of `consumer` (they stay where they are); none
    when its dead queue was never declared."""
    try:
        with _channel(amqp_url) as channel:
            return list_dead(channel, consumer, limit)
    except DeadLettersUnavailable as exc:
        if _absent(exc.__cause__):
            return []
        raise


def replay_dead_letters(amqp_url: str, consumer: str, message_id: str | None = None) -> int:
    """Put `consumer`'s dead letters (all, or the one with `message_id`) back into its
    queue; how many went back (0 when there was none)."""
    try:
        with _channel(amqp_url) as channel:
            return replay_dead(channel, consumer, message_id)
    except DeadLettersUnavailable as exc:
        if _absent(exc.__cause__):
            return 0
        raise
