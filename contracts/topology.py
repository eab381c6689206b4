"""The one description of the broker topology: which queue gets which routing keys.
The relay (on every connect) and each consumer declare all of it, so no event published
before a consumer's first start, or after its queue was deleted, is lost."""

from __future__ import annotations

EXCHANGE = "venuebus.events"
# dead letters go back (a replay) or round (a listing) through here, never through the
# default exchange: each consumer's queue and dead queue are bound by their own names, so
# a user who may write here reaches those queues and nothing else (no device's queue)
REPLAY_EXCHANGE = "venuebus.replay"
# retries and dead-lettering go through here, never through the default exchange (no
# role may write to that one): each consumer's queue, dead queue and retry queues are
# bound by their own names. The consumers publish their retries here, and the queues
# name it as their dead-letter exchange.
RETRY_EXCHANGE = "venuebus.retry"
QUEUE_PREFIX = "venuebus."

# consumer name -> the routing keys (topic patterns) its queue is bound to
QUEUES: dict[str, tuple[str, ...]] = {
    "ratings": ("rating.changed",),
    "speakers": ("speaker.*.state",),
    "stats": ("order.placed", "order.completed", "order.expired", "order.cancelled",
              "attendee.checked_in", "attendee.checked_out"),
    "badges": ("badge.requested",),
    "exports": ("export.requested",),
    "mail": ("badge.generated", "user.signed_up", "user.email_verified", "staff.invited",
             "order.placed", "order.completed", "order.cancelled", "order.tickets_requested"),
    # broker users and command queues of speakers (consumers/provisioner.py)
    # and the bindings of group members' queues to their group (consumers/speaker_groups.py)
    "provisioner": ("speaker.registered", "speaker.token_rotated", "speaker.deleted",
                    "user.access_changed", "speaker_group.changed"),
}


def queue_name(consumer: str) -> str:
    return QUEUE_PREFIX + consumer


def dead_queue(consumer: str) -> str:
    return queue_name(consumer) + ".dead"


def retry_queue(consumer: str, step: int) -> str:
    return f"{queue_name(consumer)}.retry.{step}"


def matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])
    return match(pattern.split("."), key.split("."))


def bound(routing_key: str) -> bool:
    """Whether a consumer queue of the topology takes `routing_key`: if the broker
    returns such a message, that queue is missing and the message must not count as
    published. (Speaker commands go to device queues that may well not exist.)"""
    return any(matches(p, routing_key) for keys in QUEUES.values() for p in keys)


def node_urls(amqp_url: str) -> list[str]:
    """The node URLs of `AMQP_URL`: one URL, or a comma-separated list of a cluster's
    nodes (tried in that order). Raises ValueError when it names no node."""
    urls = [u.strip() for u in amqp_url.split(",") if u.strip()]
    if not urls:
        raise ValueError("AMQP_URL names no broker node")
    return urls
