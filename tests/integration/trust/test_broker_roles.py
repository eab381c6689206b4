"""The backend's role users on the real broker (a vhost of the test's own; user names
under a per-test prefix, since they are global on a broker): each role can do its work
and nothing that belongs to another, above all no one but the relay publishes events."""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Iterator

import pika
import pytest
from click.testing import CliRunner

from brokerops.admin import BrokerAdmin, BrokerAdminError
from brokerops.dead_letter_access import dead_letters, replay_dead_letters
from brokerops.management import ManagementClient
from brokerops.roles import backend_roles, grant_roles
from bus.connection import connection_parameters
from bus.consume import ConsumerLoop, LoopSettings, Outcome
from cli.broker import broker_users
from consumers.provisioner import grant_device, revoke_device
from contracts.speakers import command_queue
from contracts.topology import EXCHANGE, QUEUES, dead_queue, queue_name, retry_queue
from models.core.config import Config, with_login
from models.speakers.identity import broker_password_hash, device_amqp_url
from producers.declare import declare_all
from tests.support.processes import wait_until


@pytest.fixture
def prefix(own_vhost: str) -> Iterator[str]:
    prefix = f"t{uuid.uuid4().hex[:8]}-role-"
    yield prefix
    admin = BrokerAdmin.from_config(Config(amqp_url=own_vhost))
    for user in admin.call("GET", "users") or []:
        if user["name"].startswith(prefix):
            admin.close_connections(user["name"])
            admin.delete_user(user["name"])


@pytest.fixture
def passwords(own_vhost: str, prefix: str) -> dict[str, str]:
    passwords = {r.name: secrets.token_urlsafe(32) for r in backend_roles()}
    grant_roles(BrokerAdmin.from_config(Config(amqp_url=own_vhost)), vhost(own_vhost),
                passwords, prefix=prefix)
    return passwords


def vhost(url: str) -> str:
    return Config(amqp_url=url).broker_vhost


def as_role(url: str, prefix: str, role: str, password: str) -> Config:
    return Config(amqp_url=with_login(url, prefix + role, password))


def connect(config: Config) -> pika.BlockingConnection:
    return pika.BlockingConnection(connection_parameters(config.amqp_url))


def depth(url: str, queue: str) -> int:
    with connect(Config(amqp_url=url)) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def publish_event(config: Config) -> None:
    """Declare the topology as the backend processes do, then publish a confirmed,
    routed `rating.changed`."""
    with connect(config) as conn:
        channel = conn.channel()
        declare_all(channel, config)
        channel.confirm_delivery()
        channel.basic_publish(EXCHANGE, "rating.changed", b'{"forged": true}',
                              pika.BasicProperties(delivery_mode=2), mandatory=True)


def test_only_the_relay_may_publish_domain_events(own_vhost, prefix, passwords):
    publish_event(as_role(own_vhost, prefix, "relay", passwords["relay"]))
    assert depth(own_vhost, queue_name("ratings")) == 1
    for role in ("api", *QUEUES):
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            publish_event(as_role(own_vhost, prefix, role, passwords[role]))
        assert refused.value.reply_code == 403, role
    assert depth(own_vhost, queue_name("ratings")) == 1  # nothing forged arrived


def test_every_consumer_role_declares_the_topology_and_reads_its_queue(
        own_vhost, prefix, passwords):
    for role in QUEUES:
        config = as_role(own_vhost, prefix, role, passwords[role])
        with connect(config) as conn:
            channel = conn.channel()
            declare_all(channel, config)
            method, _props, _body = channel.basic_get(queue_name(role), auto_ack=False)
            assert method is None, role


def test_the_api_role_lists_and_replays_dead_letters_and_configures_nothing(
        own_vhost, prefix, passwords):
    with connect(Config(amqp_url=own_vhost)) as conn:
        channel = conn.channel()
        declare_all(channel, Config(amqp_url=own_vhost))
        channel.confirm_delivery()
        channel.basic_publish("", dead_queue("ratings"), b"{}",
                              pika.BasicProperties(message_id="m-1", type="rating.changed"))
    api = as_role(own_vhost, prefix, "api", passwords["api"])
    assert [d.message_id for d in dead_letters(api.amqp_url, "ratings")] == ["m-1"]
    assert replay_dead_letters(api.amqp_url, "ratings") == 1
    assert depth(own_vhost, queue_name("ratings")) == 1
    overview = ManagementClient.from_config(api).overview(QUEUES)
    assert {q.consumer for q in overview.queues} == set(QUEUES)
    with connect(api) as conn, pytest.raises(pika.exceptions.ChannelClosedByBroker) as no:
        conn.channel().queue_declare(queue_name("api-made"), durable=True)
    assert no.value.reply_code == 403


def test_only_the_provisioner_manages_broker_users(own_vhost, prefix, passwords):
    provisioner = as_role(own_vhost, prefix, "provisioner", passwords["provisioner"]).with_(
        speaker_user_prefix=prefix + "speaker-")
    token = secrets.token_urlsafe(32)
    grant_device(BrokerAdmin.from_config(provisioner), provisioner, 1,
                 broker_password_hash(token))
    device = device_amqp_url(provisioner.with_(amqp_url=own_vhost), 1, token)
    connect(Config(amqp_url=device)).close()  # the device's own user, with its rights
    assert depth(own_vhost, command_queue(1)) == 0
    admin = BrokerAdmin.from_config(Config(amqp_url=own_vhost))
    for role in ("relay", "api", "ratings", "speakers"):
        with pytest.raises(BrokerAdminError):
            BrokerAdmin.from_config(as_role(own_vhost, prefix, role, passwords[role])
                                    ).delete_user(prefix + "speaker-1")
    assert admin.user_exists(prefix + "speaker-1")
    revoke_device(BrokerAdmin.from_config(provisioner), provisioner, 1)
    assert not admin.user_exists(prefix + "speaker-1")


def test_granting_again_replaces_a_role_password(own_vhost, prefix, passwords):
    old = dict(passwords)
    passwords["ratings"] = secrets.token_urlsafe(32)
    grant_roles(BrokerAdmin.from_config(Config(amqp_url=own_vhost)), vhost(own_vhost),
                passwords, prefix=prefix)
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        connect(as_role(own_vhost, prefix, "ratings", old["ratings"]))
    connect(as_role(own_vhost, prefix, "ratings", passwords["ratings"])).close()


def run_broker_users(own_vhost: str, prefix: str, passwords: dict[str, str]):
    env = {"AMQP_URL": own_vhost, **{r.password_variable: passwords[r.name]
                                     for r in backend_roles()}}
    return CliRunner().invoke(broker_users, ["--prefix", prefix], env=env)


def test_broker_users_refuses_a_weak_password_and_creates_nobody(own_vhost, prefix):
    passwords = {r.name: secrets.token_urlsafe(32) for r in backend_roles()}
    admin = BrokerAdmin.from_config(Config(amqp_url=own_vhost))
    for weak in ("", "short", "change-me-" + "x" * 40, "ab" * 30):
        result = run_broker_users(own_vhost, prefix, {**passwords, "mail": weak})
        assert result.exit_code == os.EX_CONFIG, result.output
        assert "MAIL_AMQP_PASSWORD" in result.output
        assert not [u for u in admin.call("GET", "users") if u["name"].startswith(prefix)]
    result = run_broker_users(own_vhost, prefix, passwords)
    assert result.exit_code == 0, result.output
    publish_event(as_role(own_vhost, prefix, "relay", passwords["relay"]))
    assert depth(own_vhost, queue_name("ratings")) == 1


ROLES = tuple(r.name for r in backend_roles())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["a consumer's queue", "a device's command queue"])
def test_no_role_can_publish_to_the_default_exchange(own_vhost, prefix, passwords, role,
                                                     target):
    with connect(Config(amqp_url=own_vhost)) as conn:
        channel = conn.channel()
        declare_all(channel, Config(amqp_url=own_vhost))
        channel.queue_declare(command_queue(7), durable=True)
    queue = queue_name("ratings") if target == "a consumer's queue" else command_queue(7)
    config = as_role(own_vhost, prefix, role, passwords[role])
    with connect(config) as conn, pytest.raises(pika.exceptions.ChannelClosedByBroker) as no:
        channel = conn.channel()
        channel.confirm_delivery()
        channel.basic_publish("", queue, b'{"forged": true}',
                              pika.BasicProperties(delivery_mode=2), mandatory=True)
    assert no.value.reply_code == 403  # ACCESS_REFUSED
    assert "amq.default" in no.value.reply_text
    assert depth(own_vhost, queue) == 0


def test_a_consumer_role_retries_and_dead_letters_without_the_default_exchange(
        own_vhost, prefix, passwords):
    """The retry path as the ratings role runs it: a failed message comes back after its
    retry delay (through the TTL queue, dead-lettered back by the broker), and a given
    up one lands in the dead queue."""
    config = as_role(own_vhost, prefix, "ratings", passwords["ratings"]).with_(
        retry_delays_ms=(200,))
    publish_event(as_role(own_vhost, prefix, "relay", passwords["relay"]).with_(
        retry_delays_ms=(200,)))
    attempts: list[int] = []

    def work(batch):
        attempts.extend(d.attempt for d in batch)
        return [Outcome("retry" if d.attempt == 1 else "dead", "test") for d in batch]

    loop = ConsumerLoop(config.amqp_url, LoopSettings(
        queue=queue_name("ratings"), prefetch=10, max_batch=10,
        retry_queues=(retry_queue("ratings", 1),), dead_queue=dead_queue("ratings"),
        drain_deadline=1, declare=lambda channel: declare_all(channel, config),
        name="ratings-role"), work)
    runner = threading.Thread(target=loop.run, daemon=True)
    runner.start()
    try:
        wait_until(lambda: depth(own_vhost, dead_queue("ratings")) == 1, timeout=20,
                   what=lambda: f"the dead letter (attempts seen: {attempts})")
    finally:
        loop.stop()
        runner.join(15)
    assert attempts == [1, 2]
    assert depth(own_vhost, queue_name("ratings")) == 0
