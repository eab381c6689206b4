from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from tests.support.processes import processes
from tests.support.rabbit_nodes import (
    RabbitNode,
    node_list_url,
    rabbit_nodes,
    rabbitmq_installed,
)
from tests.support.services import fresh_vhost, missing_service, rabbitmq_server
from tests.support.speaker_identity import RUN_PREFIX, random_secret_key

SECRET_KEY = random_secret_key()


@pytest.fixture
def vhost_url():
    """A private vhost per test: queues, retries and dead letters start empty."""
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


def _spine_env(database_url: str, amqp_url: str) -> dict[str, str]:
    """Environment of every process of one test: this run's database, the test's broker,
    short retry delays so retry and dead-letter paths finish within a test."""
    return {"DATABASE_URL": database_url, "AMQP_URL": amqp_url,
            "SECRET_KEY": SECRET_KEY, "SPEAKER_USER_PREFIX": RUN_PREFIX,
            "BASE_URL": "https://venuebus.test", "METRICS_PORT": "0",
            "SPEAKER_MEDIA_HOSTS": "127.0.0.1",
            "RETRY_DELAYS_MS": "200,400", "DELIVERY_LIMIT": "5", "LOG_LEVEL": "INFO"}


@pytest.fixture
def spine_env(database_url, vhost_url, db) -> dict[str, str]:
    return _spine_env(database_url, vhost_url)


@pytest.fixture
def procs(spine_env, tmp_path):
    with processes(spine_env, tmp_path) as group:
        yield group


@pytest.fixture(scope="module")
def rabbit_node(tmp_path_factory) -> Iterator[RabbitNode]:
    """A private RabbitMQ node, booted for the module's first test that asks for it: a
    test may stop, kill or block it (never the machine's shared node)."""
    if not rabbitmq_installed():
        missing_service("needs rabbitmq-server installed on this machine")
    with rabbit_nodes(1, tmp_path_factory.mktemp("rabbit")) as nodes:
        yield nodes[0]


@pytest.fixture
def node_env(database_url, rabbit_node, db) -> Iterator[dict[str, str]]:
    """Like spine_env, on a fresh vhost of the private node."""
    with rabbit_node.fresh_vhost() as url:
        yield _spine_env(database_url, url)


@pytest.fixture(scope="module")
def rabbit_cluster(tmp_path_factory) -> Iterator[list[RabbitNode]]:
    """Three private nodes clustered (node 2 and 3 joined node 1), booted once for the
    module: a test may kill and restart any of them."""
    if not rabbitmq_installed():
        missing_service("needs rabbitmq-server installed on this machine")
    with rabbit_nodes(3, tmp_path_factory.mktemp("cluster")) as nodes:
        yield nodes


@pytest.fixture
def cluster_env(database_url, rabbit_cluster, db) -> Iterator[dict[str, str]]:
    """Like spine_env, with AMQP_URL listing every node of the cluster (a fresh vhost,
    cluster-wide)."""
    with rabbit_cluster[0].fresh_vhost() as url:
        vhost = unquote(url.rsplit("/", 1)[1])
        yield _spine_env(database_url, node_list_url(rabbit_cluster, vhost))


@pytest.fixture
def node_procs(node_env, tmp_path):
    """Processes of the system connected to the private node."""
    with processes(node_env, tmp_path) as group:
        yield group
