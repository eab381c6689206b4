"""A fresh machine: a broker whose management plugin was never enabled. The provisioner
must wait for the management API (keep `speaker.registered`, never dead-letter it), say
so to operators, and provision the speaker once the plugin is enabled."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pika
import pytest
from click.testing import CliRunner

from brokerops.admin import BrokerAdmin
from bus.messages import properties
from cli.main import main
from consumers.app import build_consumer
from contracts.topology import EXCHANGE, dead_queue
from models.accounts.users import create_user
from models.core.db import Database
from models.core.waits import current_waits
from models.speakers.identity import broker_user, device_amqp_url
from models.speakers.service import register_speaker
from producers.declare import declare_all
from tests.support.outbox import outbox_rows
from tests.support.pages import csrf_token
from tests.support.processes import wait_until
from tests.support.rabbit_nodes import RabbitNode, rabbit_nodes, rabbitmq_installed
from tests.support.services import missing_service

pytestmark = pytest.mark.slow
WAITING = "speaker provisioning waiting: management API unreachable"


@pytest.fixture
def node(tmp_path) -> Iterator[RabbitNode]:
    if not rabbitmq_installed():
        missing_service("needs rabbitmq-server for a private node")
    with rabbit_nodes(1, tmp_path / "rabbit") as [node]:  # no plugin enabled
        yield node


def waiting(db: Database) -> list[str]:
    with db.session() as s:
        return [str(w) for w in current_waits(s)]


def dead_letters(url: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        return conn.channel().queue_declare(dead_queue("provisioner"),
                                            passive=True).method.message_count


def ops_overview(config, db: Database) -> str:
    """/ops/overview as an admin sees it."""
    from api.app import create_app

    create_user(db, "root@example.com", "password123", is_admin=True, verified=True)
    client = create_app(config, db).test_client()
    client.post("/signin", data={"email": "root@example.com", "password": "password123",
                                 "csrf_token": csrf_token(client)})
    r = client.get("/ops/overview")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_without_the_management_plugin_the_provisioner_waits_then_provisions(
        node, db, base_config):
    config = base_config.with_(
        amqp_url=node.amqp_url(), broker_api_url=f"http://127.0.0.1:{node.management_port}",
        broker_api_user="guest", broker_api_password="guest", retry_delays_ms=(100, 100))
    tdb = Database(config)
    owner = create_user(tdb, "dj@example.com", "password123", verified=True)
    speaker, token = register_speaker(tdb, owner, "Demo speaker")
    [row] = outbox_rows(tdb, "speaker.registered")
    with pika.BlockingConnection(pika.URLParameters(config.amqp_url)) as conn:
        channel = conn.channel()
        declare_all(channel, config)
        channel.confirm_delivery()
        channel.basic_publish(EXCHANGE, row.routing_key, row.payload.encode(),
                              properties(str(row.message_id), row.type), mandatory=True)
    loop, _ = build_consumer(config, "provisioner", db=tdb, drain_deadline=5,
                             max_wait_backoff=2)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        assert loop.connected.wait(30)
        wait_until(lambda: waiting(tdb) == [WAITING], timeout=30, what="the wait recorded")
        # far past the retries a failure would have used (2 retries of 0.1 s, 5 deliveries)
        loop.stopping.wait(8)
        assert dead_letters(config.amqp_url) == 0
        status = CliRunner().invoke(main, ["status"], env={
            "DATABASE_URL": config.database_url, "AMQP_URL": config.amqp_url})
        assert WAITING in status.output, status.output
        assert WAITING in ops_overview(config, tdb)

        node.enable_management()
        user = broker_user(config, speaker.id)
        admin = BrokerAdmin.from_config(config)
        wait_until(lambda: admin.user_exists(user), timeout=60, what="the device's user")
        with pika.BlockingConnection(pika.URLParameters(
                device_amqp_url(config, speaker.id, token))) as device:
            assert device.is_open  # the device connects with its own token
        wait_until(lambda: waiting(tdb) == [], timeout=30, what="the wait cleared")
        assert dead_letters(config.amqp_url) == 0
    finally:
        loop.stop()
        thread.join(30)
        tdb.dispose()
