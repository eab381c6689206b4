"""Declaring the backend's topology: the exchange, and per consumer a quorum queue with
its dead letters and TTL retry steps. Connections and message properties are the bus
package's (bus.connection, bus.messages), shared with the speaker agent."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from bus.connection import TopologyMismatch
from contracts.topology import (
    EXCHANGE,
    REPLAY_EXCHANGE,
    RETRY_EXCHANGE,
    dead_queue,
    queue_name,
    retry_queue,
)

log = logging.getLogger("venuebus.broker")


@dataclass(frozen=True)
class QueueSpec:
    """A consumer queue: quorum, delivery limit, dead letters, TTL retry steps."""

    consumer: str
    bindings: tuple[str, ...]
    delivery_limit: int = 20
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    # quorum members of a new queue (x-quorum-initial-group-size); None: the broker's
    # default. Create-only: an existing queue keeps what it was created with.
    replicas: int | None = None

    @property
    def name(self) -> str:
        return queue_name(self.consumer)


def _mismatch(what: str, exc: ChannelClosedByBroker) -> TopologyMismatch:
    return TopologyMismatch(
        f"{what} already exists with different arguments ({exc.reply_text}). "
        "Delete it (rabbitmqctl delete_queue) or align the settings; "
        "restarting will not fix this.")


def _guard(fn, what: str):
    try:
        return fn()
    except ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            raise _mismatch(what, exc) from exc
        raise


def declare_exchange(channel: BlockingChannel) -> None:
    _guard(lambda: channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True),
           f"exchange {EXCHANGE}")


def declare_queue(channel: BlockingChannel, spec: QueueSpec) -> None:
    """Declare `spec` idempotently: main quorum queue, `.dead`, and one TTL queue per retry
    step that dead-letters back into the main queue. Raises TopologyMismatch.

    Every dead-lettering and every retry goes through RETRY_EXCHANGE, never the default
    exchange: declaring a queue whose dead-letter exchange is the default one needs
    write on `amq.default`, which no role has. A queue made before (dead-letter exchange
    "") is kept as it is with a warning, like the other create-only arguments; a role
    without write on `amq.default` cannot declare it, so delete it once drained.

    With `spec.replicas` (a cluster) every queue is a quorum queue of that many members,
    the retry queues too: a classic queue lives on one node, and while that node is down
    declaring it fails, so no client could declare the topology. Both are create-only
    (see `declare_durable`): queues that exist keep their type and members."""
    declare_exchange(channel)
    main = spec.name
    group = {GROUP_SIZE: spec.replicas} if spec.replicas else {}
    retry_type = {"x-queue-type": "quorum", **group} if spec.replicas else {}
    declare_durable(channel, dead_queue(spec.consumer), {"x-queue-type": "quorum", **group},
                    create_only=(GROUP_SIZE,))
    for exchange in (REPLAY_EXCHANGE, RETRY_EXCHANGE):
        _guard(lambda name=exchange: channel.exchange_declare(
            name, exchange_type="direct", durable=True), f"exchange {exchange}")
    declare_durable(channel, main, {
        "x-queue-type": "quorum", "x-delivery-limit": spec.delivery_limit,
        "x-dead-letter-exchange": RETRY_EXCHANGE,
        "x-dead-letter-routing-key": dead_queue(spec.consumer), **group},
        create_only=(GROUP_SIZE, DLX))
    for key in spec.bindings:
        channel.queue_bind(main, EXCHANGE, routing_key=key)
    for queue in (main, dead_queue(spec.consumer)):
        channel.queue_bind(queue, REPLAY_EXCHANGE, routing_key=queue)
        channel.queue_bind(queue, RETRY_EXCHANGE, routing_key=queue)
    for step, delay in enumerate(spec.retry_delays_ms, start=1):
        retry = retry_queue(spec.consumer, step)
        declare_durable(channel, retry, {
            "x-message-ttl": delay, "x-dead-letter-exchange": RETRY_EXCHANGE,
            "x-dead-letter-routing-key": main, **retry_type},
            create_only=(GROUP_SIZE, "x-queue-type", DLX))
        channel.queue_bind(retry, RETRY_EXCHANGE, routing_key=retry)


GROUP_SIZE = "x-quorum-initial-group-size"
DLX = "x-dead-letter-exchange"
# RabbitMQ's answer to a declaration that differs from the existing queue in one argument
# (a number: "but current is the value '5' of type ...", a string: "but current is 'x'")
_INEQUIVALENT = re.compile(
    r"inequivalent arg '([^']+)'.*but current is (none|the value '([^']*)'|'([^']*)')")


def declare_durable(channel: BlockingChannel, name: str, arguments: dict,
                    create_only: tuple[str, ...] = ()) -> None:
    """Declare the durable queue `name` with `arguments`. The `create_only` ones apply
    when the queue is created: an existing queue with other values of them, or without
    them, or with them where `arguments` has none (made by a client listing more
    nodes), is kept as it is, with a warning. Any other difference raises
    TopologyMismatch.

    Declarations run on channels of their own: RabbitMQ closes a channel on a mismatch,
    and `channel` (often the one a consumer is about to use) must outlive the probe."""
    args = dict(arguments)
    for _ in range(len(create_only) + 1):
        probe = channel.connection.channel()
        try:
            probe.queue_declare(name, durable=True, arguments=args)
        except ChannelClosedByBroker as exc:
            found = _INEQUIVALENT.search(exc.reply_text or "") if exc.reply_code == 406 else None
            if exc.reply_code != 406:
                raise
            if found is None or found[1] not in create_only:
                raise _mismatch(f"queue {name}", exc) from exc
            log.warning("queue %s was created with another %s than %r; kept as it is "
                        "(delete the queue to apply it)", name, found[1], args.get(found[1]))
            if found[4] is not None:  # a string: kept as it is, never read as a number
                args = {**args, found[1]: found[4]}
            else:
                args = _as_existing(args, found[1], found[3], found[2] == "none")
            continue
        if probe.is_open:
            probe.close()
        return
    raise TopologyMismatch(f"queue {name}: no declaration matched the existing queue")


def _as_existing(args: dict, key: str, value: str | None, absent: bool) -> dict:
    """`args` with `key` as the existing queue has it (absent, or the value it reports)."""
    rest = {k: v for k, v in args.items() if k != key}
    if absent or value is None:
        return rest
    return {**rest, key: int(value) if value.lstrip("-").isdigit() else value}


def queue_counts(channel: BlockingChannel, name: str) -> tuple[int, int] | None:
    """(messages ready, consumers) of an existing queue, or None when it does not exist."""
    try:
        ok = channel.queue_declare(name, passive=True)
    except ChannelClosedByBroker:
        return None
    return ok.method.message_count, ok.method.consumer_count
