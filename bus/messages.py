"""Publishing basics: the AMQP properties of a CloudEvents message, and the headers the
consume loop's retry path stamps on the messages it republishes."""

from __future__ import annotations

import time

import pika

from contracts.envelope import CONTENT_TYPE

CLOUDEVENTS_JSON = CONTENT_TYPE
ATTEMPT_HEADER = "x-venuebus-attempt"
ERROR_HEADER = "x-venuebus-last-error"
ORIGIN_HEADER = "x-venuebus-routing-key"
# when a consumer first received the message (epoch ms): kept across its retries, so a
# retried message is still ordered by its first arrival, never by a sender's clock
RECEIVED_HEADER = "x-venuebus-received-at"
PUBLISHER_HEADER = "x-venuebus-user-id"  # the validated user_id of the first publisher


def properties(message_id: str, type_: str, *, headers: dict | None = None,
               timestamp: int | None = None, expiration: str | None = None
               ) -> pika.BasicProperties:
    """AMQP properties of a CloudEvents message: persistent, with id, type and time."""
    return pika.BasicProperties(
        message_id=message_id, type=type_, content_type=CLOUDEVENTS_JSON, delivery_mode=2,
        timestamp=timestamp if timestamp is not None else int(time.time()),
        headers=headers or {}, expiration=expiration)
