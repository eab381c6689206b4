"""Bounds the broker keeps for us, as policies (a policy applies to queues that exist
already; changing a declared queue's arguments would be refused, PRECONDITION_FAILED).

Dead-letter queues hold at most `dead_letters_max` letters. Past it the oldest is
dropped, and dropped into `venuebus.dropped` (itself bounded, DROPPED_KEPT), where an
operator sees how many went and which: the count is that queue's depth, and each
dropped letter keeps its body, headers and an `x-death` naming its dead queue."""

from __future__ import annotations

from brokerops.admin import BrokerAdmin

DEAD_LETTERS_POLICY = "venuebus-dead-letters"
DEAD_QUEUES = r"^venuebus\.[^.]+\.dead$"
DROPPED = "venuebus.dropped"  # the exchange and the queue of dropped dead letters
DROPPED_KEPT = 100_000


def bound_dead_letters(admin: BrokerAdmin, vhost: str, max_length: int) -> None:
    """Create or update the policy bounding every consumer's dead-letter queue on
    `vhost`, and the queue its dropped letters go to. Idempotent. Raises
    BrokerAdminError."""
    admin.declare_exchange(vhost, DROPPED, "fanout")
    admin.declare_queue(vhost, DROPPED, {"x-queue-type": "quorum",
                                         "x-max-length": DROPPED_KEPT,
                                         "x-overflow": "drop-head"})
    admin.bind(vhost, DROPPED, DROPPED, "")
    admin.put_policy(vhost, DEAD_LETTERS_POLICY, {
        "pattern": DEAD_QUEUES, "apply-to": "queues", "priority": 10,
        "definition": {"max-length": max_length, "overflow": "drop-head",
                       "dead-letter-exchange": DROPPED}})

