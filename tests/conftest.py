"""Shared fixtures: a fresh PostgreSQL database and a private RabbitMQ vhost per test run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from tests.support.services import (
    empty_tables,
    fresh_database,
    fresh_vhost,
    has_rabbitmqctl,
    missing_service,
    postgres_server,
    rabbitmq_server,
)
from tests.support.smtp import Inbox, smtp_server
from tests.support.speaker_identity import RUN_PREFIX, random_secret_key, remove_run_users


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str) -> Iterator[str]:
    """This run's own database, migrated to the head revision."""
    with fresh_database(pg_admin_url) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


@pytest.fixture
def own_vhost() -> Iterator[str]:
    """A vhost of the test's own, deleted afterwards: for tests that declare the whole
    topology or count what lands in its queues."""
    with rabbitmq_server() as server, fresh_vhost(server) as url:
        yield url


@pytest.fixture
def rabbitmqctl_at_hand() -> None:
    """For tests that drive the broker with rabbitmqctl: skipped without it, failed in CI."""
    if not has_rabbitmqctl():
        missing_service("needs rabbitmqctl on this machine")


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """(smtp_url, inbox) of a loopback SMTP server running for the test."""
    with smtp_server() as (url, inbox):
        yield url, inbox


@pytest.fixture(scope="session")
def base_config(database_url: str) -> Iterator[Config]:
    config = Config(database_url=database_url, secret_key=random_secret_key(),
                    retry_delays_ms=(200, 400), delivery_limit=5,
                    speaker_user_prefix=RUN_PREFIX,
                    speaker_media_hosts=("127.0.0.1",))  # tests' media servers
    yield config
    remove_run_users(config)


@pytest.fixture
def config(base_config: Config) -> Config:
    return base_config


@pytest.fixture(scope="session")
def session_db(base_config: Config) -> Iterator[Database]:
    database = Database(base_config)
    yield database
    database.dispose()


@pytest.fixture
def db(session_db: Database) -> Iterator[Database]:
    """The run's database, emptied before each test."""
    empty_tables(session_db)
    yield session_db
