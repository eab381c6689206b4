"""A device's broker identity, attacked on the real broker: with speaker A's credentials
(the ones on A's SD card) nothing but A's own queue and A's own state is reachable."""

from __future__ import annotations

from urllib.parse import quote

import pika
import pytest
from pika.exceptions import ProbableAuthenticationError

from contracts.envelope import dumps, envelope
from contracts.ratings import RatingChanged
from contracts.speakers import command_queue, state_key
from contracts.topology import EXCHANGE, queue_name
from models.speakers.identity import broker_user
from models.speakers.service import delete_speaker, rotate_speaker_token
from tests.integration.trust.conftest import provision
from tests.support.broker_rights import device_channel, props, refused
from tests.support.processes import wait_until


def state_body(speaker_id: int) -> bytes:
    return b'{"data": {"speaker_id": "%d"}}' % speaker_id


def test_a_device_consumes_its_own_queue_and_publishes_its_own_state(speakers, backend,
                                                                     trust_config, admin):
    _, [(a, url_a, _), _] = speakers
    declared = admin.call("GET", f"queues/{quote(trust_config.broker_vhost, safe='')}/"
                                 f"{command_queue(a)}")
    assert declared["arguments"]["x-message-ttl"] == 30_000  # the broker drops stale commands
    conn, channel = device_channel(url_a)
    channel.queue_declare(command_queue(a), passive=True)  # the device declares passively
    channel.basic_consume(command_queue(a), lambda *_: None)
    before = backend.queue_declare(queue_name("speakers"), passive=True).method.message_count
    channel.basic_publish(EXCHANGE, state_key(a), state_body(a),
                          props(broker_user(trust_config, a)))
    wait_until(lambda: backend.queue_declare(queue_name("speakers"), passive=True)
               .method.message_count == before + 1, timeout=10, what="the state queued")
    conn.close()


@pytest.mark.parametrize("attack", [
    "consume B's queue", "publish rating.changed", "publish B's state",
    "publish on the default exchange", "bind its queue to #", "declare a queue",
    "delete venuebus.ratings", "declare the events exchange"])
def test_a_device_is_refused_everything_else(speakers, backend, attack):
    _, [(a, url_a, _), (b, _, _)] = speakers
    conn, channel = device_channel(url_a)
    rating = RatingChanged(event_id=1, feedback_id=1, user_id=1, change="updated",
                           rating=900, previous_rating=None,
                           changed_at="2027-01-01T00:00:00+00:00")
    actions = {
        "consume B's queue": lambda: channel.basic_consume(command_queue(b), lambda *_: None),
        "publish rating.changed": lambda: channel.basic_publish(
            EXCHANGE, "rating.changed", dumps(envelope(rating)).encode(), props()),
        "publish B's state": lambda: channel.basic_publish(
            EXCHANGE, state_key(b), state_body(b), props()),
        "publish on the default exchange": lambda: channel.basic_publish(
            "", queue_name("ratings"), dumps(envelope(rating)).encode(), props()),
        "bind its queue to #": lambda: channel.queue_bind(command_queue(a), EXCHANGE, "#"),
        "declare a queue": lambda: channel.queue_declare("venuebus.copy-of-everything"),
        "delete venuebus.ratings": lambda: channel.queue_delete(queue_name("ratings")),
        "declare the events exchange": lambda: channel.exchange_declare(
            EXCHANGE, exchange_type="topic", durable=True),
    }
    # the session's vhost is shared: earlier tests may have left events in the queue
    before = backend.queue_declare(queue_name("ratings"), passive=True).method.message_count
    assert refused(actions[attack]) == 403
    conn.close()
    # and the harm is absent: the backend's queue is still there, with nothing added
    after = backend.queue_declare(queue_name("ratings"), passive=True).method.message_count
    assert after == before


def test_a_forged_user_id_is_refused_by_the_broker(speakers, trust_config):
    _, [(a, url_a, _), (b, _, _)] = speakers
    conn, channel = device_channel(url_a)
    assert refused(lambda: channel.basic_publish(
        EXCHANGE, state_key(a), state_body(a), props(broker_user(trust_config, b)))) == 406
    conn.close()


def test_a_deleted_speaker_is_disconnected_and_its_credentials_refused(
        speakers, tdb, admin, trust_config):
    owner, [(a, url_a, _), (b, url_b, _)] = speakers
    conn, channel = device_channel(url_a)
    channel.basic_consume(command_queue(a), lambda *_: None)
    other, _ = device_channel(url_b)
    user = broker_user(trust_config, a)
    wait_until(lambda: admin.connections_of(user), timeout=15, what="A's connection listed")

    delete_speaker(tdb, owner, a)
    provision(tdb, "speaker.deleted")

    def closed() -> bool:
        try:
            conn.process_data_events(time_limit=0.2)
        except pika.exceptions.AMQPError:
            return True
        return not conn.is_open
    wait_until(closed, timeout=15, what="A's open connection closed")
    with pytest.raises(ProbableAuthenticationError):
        pika.BlockingConnection(pika.URLParameters(url_a))
    assert not admin.user_exists(user)
    assert other.is_open  # B is untouched
    other.close()


def test_a_rotated_token_replaces_the_old_one_at_the_broker(speakers, tdb, admin,
                                                            trust_config):
    owner, [(a, url_a, old_token), _] = speakers
    conn, _ = device_channel(url_a)
    wait_until(lambda: admin.connections_of(broker_user(trust_config, a)), timeout=15,
               what="A's connection listed")

    _, new_token = rotate_speaker_token(tdb, owner, a)
    provision(tdb, "speaker.token_rotated")

    wait_until(lambda: not conn.is_open or _dead(conn), timeout=15, what="old connection closed")
    with pytest.raises(ProbableAuthenticationError):
        pika.BlockingConnection(pika.URLParameters(url_a))
    fresh, channel = device_channel(url_a.replace(old_token, new_token))
    channel.queue_declare(command_queue(a), passive=True)
    fresh.close()


def _dead(conn) -> bool:
    try:
        conn.process_data_events(time_limit=0.2)
        return False
    except pika.exceptions.AMQPError:
        return True


def test_a_device_token_holds_only_a_few_connections_and_channels(speakers):
    from consumers.provisioner import DEVICE_CHANNELS, DEVICE_CONNECTIONS

    _, [(_, url_a, _), _] = speakers
    held = [pika.BlockingConnection(pika.URLParameters(url_a))
            for _ in range(DEVICE_CONNECTIONS)]
    try:
        with pytest.raises(pika.exceptions.AMQPConnectionError):
            pika.BlockingConnection(pika.URLParameters(url_a + "?connection_attempts=1"))
        opened = []
        with pytest.raises(pika.exceptions.AMQPError):
            for _ in range(DEVICE_CHANNELS + 1):
                opened.append(held[len(opened) % len(held)].channel())
        assert len(opened) == DEVICE_CHANNELS
    finally:
        for conn in held:
            if conn.is_open:
                conn.close()


def test_deactivating_the_owner_disconnects_their_devices_until_activated_again(
        speakers, tdb, admin, trust_config):
    import uuid

    from models.accounts.tokens import set_user_active
    from models.accounts.users import create_user

    owner, [(a, url_a, _), (b, url_b, _)] = speakers
    root = create_user(tdb, f"r{uuid.uuid4().hex[:6]}@example.com", "password123",
                       is_admin=True, verified=True)
    conn, channel = device_channel(url_a)
    channel.basic_consume(command_queue(a), lambda *_: None)
    wait_until(lambda: admin.connections_of(broker_user(trust_config, a)), timeout=15,
               what="A's connection listed")

    set_user_active(tdb, root, owner.id, False)
    provision(tdb, "user.access_changed")

    def closed() -> bool:
        try:
            conn.process_data_events(time_limit=0.2)
        except pika.exceptions.AMQPError:
            return True
        return not conn.is_open
    wait_until(closed, timeout=15, what="A's open connection closed")
    for url in (url_a, url_b):  # every device of the account
        with pytest.raises(ProbableAuthenticationError):
            pika.BlockingConnection(pika.URLParameters(url))

    set_user_active(tdb, root, owner.id, True)
    provision(tdb, "user.access_changed")
    device_channel(url_b)[0].close()  # back, with the same token
