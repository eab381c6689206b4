"""AMQP_URL as a cluster's node list: every connection tries the nodes in the order
listed, and new queues get one quorum member per listed node (at most five)."""

from __future__ import annotations

import pytest

from bus.connection import HEARTBEAT_S, connection_parameters
from contracts.topology import node_urls
from models.core.config import Config

CLUSTER = ("amqp://u:p@rabbit-1:5672/venue,amqp://u:p@rabbit-2:5673/venue,"
           " amqp://u:p@rabbit-3/venue?heartbeat=5")


def test_every_connection_gets_the_nodes_in_the_order_listed():
    params = connection_parameters(CLUSTER, name="venuebus-relay")
    assert [(p.host, p.port) for p in params] == [
        ("rabbit-1", 5672), ("rabbit-2", 5673), ("rabbit-3", 5672)]
    assert {p.virtual_host for p in params} == {"venue"}
    assert all(p.client_properties == {"connection_name": "venuebus-relay"} for p in params)
    assert [p.heartbeat for p in params] == [HEARTBEAT_S, HEARTBEAT_S, 5]  # the URL's wins
    assert all(p.connection_attempts == 1 and p.socket_timeout for p in params)


def test_one_url_is_a_list_of_one_node():
    assert [p.host for p in connection_parameters("amqp://guest:guest@localhost/%2F")] == [
        "localhost"]


def test_a_list_naming_no_node_is_refused():
    with pytest.raises(ValueError, match="names no broker node"):
        node_urls(" , ")


@pytest.mark.parametrize(("amqp_url", "explicit", "replicas"), [
    ("amqp://localhost/%2F", 0, None),  # one node: the broker's default, no argument
    (CLUSTER, 0, 3),
    (",".join(["amqp://localhost/%2F"] * 7), 0, 5),
    (CLUSTER, 2, 2),
    ("amqp://localhost/%2F", 3, 3),  # set explicitly: the operator knows the cluster
])
def test_quorum_members_follow_the_node_list_unless_set(amqp_url, explicit, replicas):
    assert Config(amqp_url=amqp_url, quorum_group_size=explicit).queue_replicas == replicas


def test_the_group_size_comes_from_the_environment():
    config = Config.from_env({"AMQP_URL": CLUSTER, "QUORUM_INITIAL_GROUP_SIZE": "5"})
    assert config.queue_replicas == 5
