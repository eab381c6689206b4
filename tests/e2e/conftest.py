from __future__ import annotations

import pytest

from tests.support.processes import processes
from tests.support.services import fresh_vhost, rabbitmq_server


@pytest.fixture
def vhost_url():
    """A private vhost per test: queues, retries and dead letters start empty."""
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


@pytest.fixture
def spine_env(database_url, vhost_url, db) -> dict[str, str]:
    """Environment of every process of one test: this run's database, the test's vhost,
    short retry delays so retry and dead-letter paths finish within a test."""
    return {"DATABASE_URL": database_url, "AMQP_URL": vhost_url,
            "SECRET_KEY": "test-secret-0123456789abcdef0123456789",
            "RETRY_DELAYS_MS": "200,400", "DELIVERY_LIMIT": "5", "LOG_LEVEL": "INFO"}


@pytest.fixture
def procs(spine_env, tmp_path):
    with processes(spine_env, tmp_path) as group:
        yield group
