"""Connecting to the broker, in one place: every connection of the system (the relay,
the consumers, the CLI, the speaker agent) is opened with these parameters."""

from __future__ import annotations

import pika

from contracts.topology import node_urls

HEARTBEAT_S = 30


class TopologyMismatch(RuntimeError):
    """A queue or exchange exists with other arguments; restarting will not help."""


def connection_parameters(amqp_url: str, *, name: str = "venuebus"
                          ) -> list[pika.URLParameters]:
    """Parameters for every connection we open, one per node of `amqp_url` (a URL or a
    comma-separated list of a cluster's nodes): pika's connections try them in order
    and take the first that answers. Heartbeats, timeouts on every call, and a
    connection name that shows in `rabbitmqctl list_connections client_properties`.

    One pass over the nodes per connect (`connection_attempts=1`): every caller has its
    own backoff loop, which stays responsive to stop() where pika's retries would block."""
    params = []
    for url in node_urls(amqp_url):
        p = pika.URLParameters(url)
        if "heartbeat=" not in url:  # an explicit ?heartbeat=N in the URL wins
            p.heartbeat = HEARTBEAT_S
        p.blocked_connection_timeout = 60
        p.socket_timeout = 10
        p.stack_timeout = 15
        p.connection_attempts = 1
        p.retry_delay = 0.5  # only between passes, if a caller asks for more than one
        p.client_properties = {"connection_name": name}
        params.append(p)
    return params
