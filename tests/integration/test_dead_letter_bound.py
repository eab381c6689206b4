"""Dead-letter queues are bounded by a policy (their arguments were declared long ago):
past the bound the oldest letter is dropped into venuebus.dropped, where it is counted."""

from __future__ import annotations

import pika
from click.testing import CliRunner

from brokerops.admin import BrokerAdmin
from brokerops.policies import DROPPED, bound_dead_letters
from cli.main import main
from contracts.topology import REPLAY_EXCHANGE, dead_queue
from models.core.config import Config
from producers.declare import declare_all
from tests.support.processes import wait_until


def depth(url: str, queue: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def test_a_flood_of_dead_letters_keeps_the_newest_and_counts_the_dropped(own_vhost, db):
    config = Config(amqp_url=own_vhost)
    with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
        declare_all(conn.channel(), config)  # the queues exist before the policy
    bound_dead_letters(BrokerAdmin.from_config(config), config.broker_vhost, 5)
    bound_dead_letters(BrokerAdmin.from_config(config), config.broker_vhost, 5)  # again
    with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
        channel = conn.channel()
        channel.confirm_delivery()
        for i in range(12):
            channel.basic_publish(REPLAY_EXCHANGE, dead_queue("speakers"), b"{}",
                                  pika.BasicProperties(message_id=f"m-{i}"), mandatory=True)
    wait_until(lambda: depth(own_vhost, DROPPED) == 7, timeout=30, what="7 dropped")
    assert depth(own_vhost, dead_queue("speakers")) == 5
    with pika.BlockingConnection(pika.URLParameters(own_vhost)) as conn:
        method, props, _ = conn.channel().basic_get(dead_queue("speakers"), auto_ack=True)
    assert props.message_id == "m-7"  # the oldest went
    status = CliRunner().invoke(main, ["status"], env={
        "DATABASE_URL": db.config.database_url, "AMQP_URL": own_vhost})
    assert "dead letters dropped past the bound: 7 (venuebus.dropped)" in status.output, \
        status.output
