from __future__ import annotations

import pytest

from tests.support.processes import processes


@pytest.fixture
def spine_env(database_url, amqp_url, db) -> dict[str, str]:
    """Environment of every process of one test: this run's database and vhost, short
    retry delays so retry and dead-letter paths finish within a test."""
    return {"DATABASE_URL": database_url, "AMQP_URL": amqp_url,
            "SECRET_KEY": "test-secret-0123456789abcdef0123456789",
            "RETRY_DELAYS_MS": "200,400", "DELIVERY_LIMIT": "5", "LOG_LEVEL": "INFO"}


@pytest.fixture
def procs(spine_env, tmp_path):
    with processes(spine_env, tmp_path) as group:
        yield group
