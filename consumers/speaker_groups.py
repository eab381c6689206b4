"""Group bindings, applied by the provisioner (the backend's one broker administrator),
so that the broker routes a group's commands to its members. On `speaker_group.changed`
each member's own command queue is bound to the group's keys
(`speaker_group.<id>.<command>`) and the queues of speakers that left are unbound. Only
the backend binds: a device's rights (read its own queue, publish its own state) do not
change when it joins a group.

The membership is read from the database, not the event, so a redelivered or late event
makes the broker agree with the groups as they are now; `removed_speaker_ids` only names
who may still be bound.
"""

from __future__ import annotations

from collections.abc import Callable

from brokerops.admin import BrokerAdmin
from bus.consume import Delivery, Permanent
from contracts.speaker_groups import group_keys
from contracts.speakers import command_queue
from contracts.topology import EXCHANGE
from models.core.uow import UnitOfWork
from models.speakers.groups import members_of


def bind_member(admin: BrokerAdmin, vhost: str, speaker_id: int, group_id: int) -> None:
    """Bind the speaker's own queue to its group's keys. Idempotent."""
    for key in group_keys(group_id):
        admin.bind(vhost, EXCHANGE, command_queue(speaker_id), key)


def bind_group_members(uow: UnitOfWork, admin: BrokerAdmin, delivery: Delivery,
                       grant: Callable[[int], None]) -> None:
    """Provision each member again (`grant(speaker_id)`: its user, rights, queue and own
    bindings as they are now, then its group's keys: a speaker provisioned before groups,
    or before a binding it now needs, gets what it lacks), and unbind those that left.
    Idempotent: a retry of a half-done call redoes it whole."""
    vhost = uow.db.config.broker_vhost
    group_id = delivery.int_field("speaker_group_id")
    members = set(members_of(uow.session, group_id))
    left = delivery.data.get("removed_speaker_ids") or []
    if not isinstance(left, list) or not all(type(i) is int for i in left):
        raise Permanent("removed_speaker_ids must list speaker ids")
    for speaker_id in sorted(members):
        grant(speaker_id)
    for speaker_id in sorted(set(left) - members):
        for key in group_keys(group_id):
            admin.unbind(vhost, EXCHANGE, command_queue(speaker_id), key)
