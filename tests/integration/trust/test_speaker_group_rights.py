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
