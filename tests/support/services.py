"""Real services for the tests: PostgreSQL and RabbitMQ from the environment (the local
ones by default), testcontainers only where a Docker engine answers."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

import sqlalchemy as sa

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False


def _reachable_pg(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """An admin URL of a PostgreSQL server (TEST_DATABASE_URL, local, or a container)."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    if _reachable_pg(url) or not _docker_answers():
        yield url
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine") as pg:
        yield pg.get_connection_url()


@contextlib.contextmanager
def fresh_database(admin_url: str, prefix: str = "venuebus_test") -> Iterator[str]:
    """A new, empty database on the server of `admin_url`, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rabbitmqctl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout,
                          check=True)


def has_rabbitmqctl() -> bool:
    return bool(shutil.which("rabbitmqctl") or os.path.exists("/usr/sbin/rabbitmqctl"))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_service(reason: str) -> NoReturn:
    """Skip the test for want of a tool or service, except in CI (`CI=true`), where the
    README's guarantees rest on these tests: there a missing service fails the run."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run, it is not skipped)",
                    pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def rabbitmq_server() -> Iterator[str]:
    url = os.environ.get("TEST_AMQP_URL", DEFAULT_AMQP)
    yield url


@contextlib.contextmanager
def fresh_vhost(amqp_url: str) -> Iterator[str]:
    """A private vhost for this test run when rabbitmqctl is at hand (queues of parallel
    runs never meet); otherwise the vhost of `amqp_url` as given."""
    if not has_rabbitmqctl():
        yield amqp_url
        return
    vhost = f"venuebus-test-{uuid.uuid4().hex[:10]}"
    user = urlsplit(amqp_url).username or "guest"
    for attempt in range(5):  # a fault test elsewhere may have the broker restarting
        try:
            rabbitmqctl("await_startup", timeout=120)
            rabbitmqctl("add_vhost", vhost)
            rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
            time.sleep(2)
    parts = urlsplit(amqp_url)
    try:
        yield urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))
    finally:
        with contextlib.suppress(Exception):
            rabbitmqctl("delete_vhost", vhost)


def empty_tables(database) -> None:
    """Every table of the run's database emptied, ids restarting at 1."""
    import models.registry  # noqa: F401 - every table registered on the metadata
    from models.core.base import Base

    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
