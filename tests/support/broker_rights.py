"""Acting as a device on the real broker with its own credentials, and what the broker
refuses it."""

from __future__ import annotations

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker


def device_channel(url: str, *, confirm: bool = True):
    conn = pika.BlockingConnection(pika.URLParameters(url))
    channel = conn.channel()
    if confirm:
        channel.confirm_delivery()
    return conn, channel


def refused(action) -> int:
    """The reply code the broker closed the channel with (the test fails if it did not)."""
    with pytest.raises(ChannelClosedByBroker) as caught:
        action()
    return caught.value.reply_code


def props(user_id: str | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(message_id="m1", type="t", delivery_mode=2, user_id=user_id)
