"""`venuebus consume provisioner`: gives every speaker its own broker identity.

On `speaker.registered`, `speaker.token_rotated` and `speaker.deleted` (and, for every
speaker of the account, `user.access_changed`; for every member,
`speaker_group.changed`) it makes the broker agree with the speaker's row and its
owner's standing: a user `<prefix><id>` whose password is the device token (handed over
as the broker's salted hash, never in clear), allowed exactly to consume its own command
queue and to publish `speaker.<id>.state`; the command queue declared and bound by the
backend; and, once the speaker is gone or its token changed, no open connection left
with the old credentials.

Why a consumer driving the management HTTP API rather than `rabbitmq_auth_backend_http`:
the broker keeps authenticating devices while the API is down or redeploying; no HTTP
call sits on every device connection and every resource check; and this is the one place
that writes broker users, retried and dead-lettered like every other effect. Reading the
row rather than the event makes each event idempotent and order-free: a late
`registered` after `deleted` finds no row and removes, never resurrects.
"""

from __future__ import annotations

import re

from brokerops.admin import BrokerAdmin, BrokerAdminError
from bus.consume import Delivery, Permanent, Unavailable
from consumers.registry import Consumer
from consumers.speaker_groups import bind_group_members, bind_member
from contracts.speakers import COMMAND_QUEUE_ARGUMENTS, command_keys, command_queue, state_key
from contracts.topology import EXCHANGE
from models.core.config import Config
from models.core.uow import UnitOfWork
from models.speakers.groups import group_of
from models.speakers.identity import broker_user
from models.speakers.service import broker_password_hash_of, speaker_ids_of

CLOSE_ON = ("speaker.token_rotated", "speaker.deleted")
DEVICE_CONNECTIONS = 4  # what one stolen token can hold open at the broker
DEVICE_CHANNELS = 16  # across its connections (an agent uses 3)


def _exactly(name: str) -> str:
    """A permission pattern matching `name` and nothing else (RabbitMQ patterns are
    unanchored regular expressions: `venuebus\\.speaker\\.1` would also match `...\\.12`)."""
    return f"^{re.escape(name)}$"


def grant_device(admin: BrokerAdmin, config: Config, speaker_id: int,
                 password_hash: str) -> None:
    """Create or update the device's user, its rights and its command queue. Idempotent."""
    vhost, user, queue = config.broker_vhost, broker_user(config, speaker_id), \
        command_queue(speaker_id)
    admin.declare_exchange(vhost, EXCHANGE)
    admin.declare_queue(vhost, queue, COMMAND_QUEUE_ARGUMENTS)
    for key in command_keys(speaker_id):
        admin.bind(vhost, EXCHANGE, queue, key)
    admin.put_user(user, password_hash)
    # a device needs two connections (commands, state), a standby agent two more
    admin.set_user_limits(user, max_connections=DEVICE_CONNECTIONS,
                          max_channels=DEVICE_CHANNELS)
    # configure nothing; write only to the events exchange (never the default exchange);
    # read only its own queue. Topic permissions narrow the writes to its state key.
    admin.set_permissions(vhost, user, configure="^$", write=_exactly(EXCHANGE),
                          read=_exactly(queue))
    admin.set_topic_permissions(vhost, user, EXCHANGE, write=_exactly(state_key(speaker_id)),
                                read="^$")


def revoke_device(admin: BrokerAdmin, config: Config, speaker_id: int) -> None:
    """Remove the device's user (its permissions go with it), close its connections and
    delete its command queue. Idempotent."""
    user = broker_user(config, speaker_id)
    admin.delete_user(user)
    admin.close_connections(user)
    admin.delete_queue(config.broker_vhost, command_queue(speaker_id))


def provision_speakers(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Raises Unavailable while the management API does not answer or fails on its side
    (the runtime waits, the messages keep their attempts); only an answer about the
    call itself (a 4xx) counts against the message."""
    try:
        _provision(uow, deliveries)
    except BrokerAdminError as exc:
        if exc.wait_reason is None:
            raise
        raise Unavailable(exc.wait_reason, str(exc)) from exc


def _provision(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    config = uow.db.config
    admin = BrokerAdmin.from_config(config)
    for delivery in deliveries:
        if delivery.routing_key == "speaker_group.changed":
            bind_group_members(uow, admin, delivery, grant=lambda speaker_id: _agree(
                admin, config, uow, speaker_id, close=False))
            continue
        if delivery.routing_key == "user.access_changed":  # every speaker of the account
            speakers = speaker_ids_of(uow.session, delivery.int_field("user_id"))
        elif delivery.routing_key in ("speaker.registered", *CLOSE_ON):
            speakers = [delivery.int_field("speaker_id")]
        else:
            raise Permanent(f"not a speaker lifecycle event: {delivery.routing_key}")
        for speaker_id in speakers:
            _agree(admin, config, uow, speaker_id, close=delivery.routing_key in CLOSE_ON)


def _agree(admin: BrokerAdmin, config: Config, uow: UnitOfWork, speaker_id: int, *,
           close: bool) -> None:
    """Make the broker agree with the speaker's row: its user granted while the speaker
    exists and its owner is active, revoked (connections closed) otherwise."""
    password_hash = broker_password_hash_of(uow.session, speaker_id)
    if password_hash is None:
        revoke_device(admin, config, speaker_id)
        return
    grant_device(admin, config, speaker_id, password_hash)
    group_id = group_of(uow.session, speaker_id)
    if group_id is not None:  # a queue declared again (a revoked owner back) lost them
        bind_member(admin, config.broker_vhost, speaker_id, group_id)
    if close:  # the old token must not stay connected
        admin.close_connections(broker_user(config, speaker_id))


CONSUMER = Consumer(name="provisioner", handle=provision_speakers, max_batch=50)
