"""Speaker groups on the real broker: the provisioner binds members' own queues to their
group's keys, and a member's credentials reach nothing more than before it joined."""

from __future__ import annotations

import uuid

import pika

from contracts.envelope import dumps, envelope
from contracts.speakers import command_queue, new_command
from contracts.topology import EXCHANGE
from models.speakers.groups import create_speaker_group, delete_speaker_group
from tests.integration.trust.conftest import provision
from tests.support.broker_rights import device_channel, props, refused
from tests.support.processes import wait_until


def depth(backend, speaker_id: int) -> int:
    return backend.queue_declare(command_queue(speaker_id), passive=True).method.message_count


def publish_group_play(backend, group_id: int) -> None:
    event = new_command("play", 0, str(uuid.uuid4()), group_id=group_id, query="jazz")
    backend.basic_publish(EXCHANGE, event.key(), dumps(envelope(event)).encode(),
                          pika.BasicProperties(delivery_mode=2))


def test_a_group_command_reaches_each_members_own_queue_until_the_group_goes(
        speakers, tdb, backend):
    owner, [(a, _, _), (b, _, _)] = speakers
    group = create_speaker_group(tdb, owner, "Hall", [a, b]).group
    provision(tdb, "speaker_group.changed")

    was = depth(backend, a), depth(backend, b)  # queues outlive a test's rows
    publish_group_play(backend, group.id)
    wait_until(lambda: (depth(backend, a), depth(backend, b)) == (was[0] + 1, was[1] + 1),
               timeout=10, what="the group's play in both members' queues")

    delete_speaker_group(tdb, owner, group.id)
    provision(tdb, "speaker_group.changed")
    publish_group_play(backend, group.id)
    backend.connection.sleep(0.5)
    # unbound: nothing more came
    assert (depth(backend, a), depth(backend, b)) == (was[0] + 1, was[1] + 1)


def test_a_member_still_gets_403_for_another_speakers_queue_and_cannot_bind_itself(
        speakers, tdb, backend):
    owner, [(a, url_a, _), (b, _, _)] = speakers
    group = create_speaker_group(tdb, owner, "Hall", [a, b]).group
    provision(tdb, "speaker_group.changed")
    key = f"speaker_group.{group.id}.play"
    before = depth(backend, b)  # queues outlive a test's rows: compare, not count

    for attack in (
            lambda ch: ch.basic_consume(command_queue(b), lambda *_: None),
            lambda ch: ch.queue_bind(command_queue(a), EXCHANGE, f"speaker_group.{group.id}.#"),
            lambda ch: ch.basic_publish(EXCHANGE, key, b"{}", props())):
        conn, channel = device_channel(url_a)
        assert refused(lambda ch=channel, attack=attack: attack(ch)) == 403
        conn.close()
    assert depth(backend, b) == before


def keys_bound(admin, config, speaker_id: int) -> set[str]:
    from brokerops.admin import _q

    found = admin.call("GET", f"queues/{_q(config.broker_vhost)}/"
                       f"{_q(command_queue(speaker_id))}/bindings", missing_ok=True) or []
    return {b["routing_key"] for b in found}


def test_a_speaker_provisioned_before_groups_gets_what_it_lacks_when_grouped(
        speakers, tdb, admin, trust_config, backend):
    """Provisioned before queues and groups: no `speaker.<id>.queue` binding. Joining a
    group provisions the member again, idempotently (a retried event changes nothing)."""
    from brokerops.admin import _q

    owner, [(a, url_a, _), (b, _, _)] = speakers
    vhost = trust_config.broker_vhost
    admin.unbind(vhost, EXCHANGE, command_queue(a), f"speaker.{a}.queue")  # as before
    assert f"speaker.{a}.queue" not in keys_bound(admin, trust_config, a)
    group = create_speaker_group(tdb, owner, "Hall", [a, b]).group

    provision(tdb, "speaker_group.changed")
    provision(tdb, "speaker_group.changed")  # a redelivery, a retry

    for member in (a, b):
        bound = keys_bound(admin, trust_config, member)
        assert {f"speaker.{member}.queue", f"speaker_group.{group.id}.play"} <= bound
    conn, channel = device_channel(url_a)  # its rights are what they were: its own queue
    channel.basic_consume(command_queue(a), lambda *_: None)
    assert refused(lambda: channel.basic_consume(command_queue(b), lambda *_: None)) == 403
    conn.close()
    # a queue declared again (an owner deactivated, then back) is bound to its group again
    admin.call("DELETE", f"queues/{_q(vhost)}/{_q(command_queue(a))}")
    provision(tdb, "speaker.registered")
    assert f"speaker_group.{group.id}.play" in keys_bound(admin, trust_config, a)
