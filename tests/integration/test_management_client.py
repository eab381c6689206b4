"""The management client against the real broker's management API, in this run's vhost:
queue counts (ready, unacked, consumers, dead), the consumers with their connection's
name, the relay's connection, and clear failures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pytest

from brokerops.management import (
    RELAY_CONNECTION_NAME,
    ManagementClient,
    ManagementUnavailable,
    QueueCounts,
)
from bus.connection import connection_parameters
from contracts.topology import dead_queue, queue_name
from models.core.config import Config
from producers.broker import QueueSpec, declare_queue
from tests.support.processes import free_port, wait_until


@pytest.fixture
def consumer_name(amqp_url: str) -> Iterator[str]:
    """A consumer queue of its own (declared like the topology's), deleted afterwards."""
    name = f"ops-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        declare_queue(conn.channel(), QueueSpec(name, ("ops.test",), retry_delays_ms=()))
    yield name
    with pika.BlockingConnection(connection_parameters(amqp_url)) as conn:
        channel = conn.channel()
        channel.queue_delete(queue_name(name))
        channel.queue_delete(dead_queue(name))


def test_counts_consumers_and_the_relay_as_the_broker_reports_them(amqp_url, consumer_name):
    client = ManagementClient.from_config(Config(amqp_url=amqp_url))
    params = connection_parameters(amqp_url, name="ops-test-worker")
    with pika.BlockingConnection(params) as worker, pika.BlockingConnection(
            connection_parameters(amqp_url, name=RELAY_CONNECTION_NAME)):
        channel = worker.channel()
        for i in range(3):
            channel.basic_publish("", queue_name(consumer_name), f"m{i}".encode())
        channel.basic_publish("", dead_queue(consumer_name), b"dead")
        channel.basic_qos(prefetch_count=1)  # one delivered and left unacked
        channel.basic_consume(queue_name(consumer_name), lambda *a: None,
                              consumer_tag="ops-test-tag")
        expected = QueueCounts(consumer_name, queue_name(consumer_name), ready=2, unacked=1,
                               consumers=1, dead=1)

        def counted():
            worker.process_data_events(0)
            return client.queue_counts([consumer_name]) == [expected]

        wait_until(counted, timeout=30, interval=0.5)  # the broker refreshes every 5 s
        overview = client.overview([consumer_name])
        ours = [c for c in overview.consumers if c.queue == queue_name(consumer_name)]
        assert [(c.consumer_tag, c.client_name) for c in ours] == \
            [("ops-test-tag", "ops-test-worker")]
        assert [r.client_name for r in overview.relays] == [RELAY_CONNECTION_NAME]
        assert overview.relays[0].connected_at is not None


def test_a_queue_never_declared_says_so(amqp_url):
    client = ManagementClient.from_config(Config(amqp_url=amqp_url))
    assert client.queue_counts(["never-declared"]) == [
        QueueCounts("never-declared", "venuebus.never-declared", exists=False)]


def test_wrong_credentials_and_no_server_raise_management_unavailable(amqp_url):
    good = ManagementClient.from_config(Config(amqp_url=amqp_url))
    wrong = ManagementClient(good.base_url, "guest", "not-the-password", good.vhost)
    with pytest.raises(ManagementUnavailable, match="401"):
        wrong.queue_counts(["ratings"])
    nobody = ManagementClient(f"http://127.0.0.1:{free_port()}", "guest", "guest", "/",
                              timeout=2)
    with pytest.raises(ManagementUnavailable, match="did not answer"):
        nobody.connections()
