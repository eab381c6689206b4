"""Real services for the tests: PostgreSQL and RabbitMQ from the environment (the local
ones by default), testcontainers only where a Docker engine answers."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit, urlunsplit

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


class _ManagementApi:
    """The broker's management HTTP API on the host of `amqp_url` (port 15672), with that
    URL's credentials: a vhost made here costs milliseconds, one made with rabbitmqctl
    starts an Erlang VM per call (1.7 s each on the shared machine, four per vhost)."""

    def __init__(self, amqp_url: str) -> None:
        parts = urlsplit(amqp_url)
        self.base = f"http://{parts.hostname or 'localhost'}:15672/api"
        token = base64.b64encode(f"{unquote(parts.username or 'guest')}:"
                                 f"{unquote(parts.password or 'guest')}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> None:
        request = urllib.request.Request(
            f"{self.base}/{path}", method=method, headers=self.headers,
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=30):
            pass

    def answers(self) -> bool:
        try:
            self.call("GET", "overview")
            return True
        except (OSError, urllib.error.URLError):
            return False


def _add_vhost(amqp_url: str, vhost: str, user: str) -> Callable[[], None] | None:
    """Make `vhost` with every permission for `user`; returns how to delete it, or None
    when neither the management API nor rabbitmqctl is at hand."""
    api = _ManagementApi(amqp_url)
    if api.answers():
        name = quote(vhost, safe="")
        api.call("PUT", f"vhosts/{name}", {})
        api.call("PUT", f"permissions/{name}/{quote(user, safe='')}",
                 {"configure": ".*", "write": ".*", "read": ".*"})
        return lambda: api.call("DELETE", f"vhosts/{name}")
    if not has_rabbitmqctl():
        return None
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
    return lambda: rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def fresh_vhost(amqp_url: str) -> Iterator[str]:
    """A private vhost for this test run, made through the management API or rabbitmqctl
    (queues of parallel runs never meet); otherwise the vhost of `amqp_url` as given."""
    vhost = f"venuebus-test-{uuid.uuid4().hex[:10]}"
    delete = _add_vhost(amqp_url, vhost, unquote(urlsplit(amqp_url).username or "guest"))
    if delete is None:
        yield amqp_url
        return
    parts = urlsplit(amqp_url)
    try:
        yield urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))
    finally:
        with contextlib.suppress(Exception):
            delete()


def empty_tables(database) -> None:
    """Every table of the run's database emptied, ids restarting at 1. DELETE from the
    tables that hold rows (dependents first), not one TRUNCATE of all of them: TRUNCATE
    swaps every table's files, 170-650 ms per test on the shared machine, where a test
    leaves rows in a few small tables."""
    import models.registry  # noqa: F401 - every table registered on the metadata
    from models.core.base import Base

    tables = list(reversed(Base.metadata.sorted_tables))
    probe = " UNION ALL ".join(
        f'SELECT {i} FROM (SELECT 1 FROM "{t.name}" LIMIT 1) AS t{i}'
        for i, t in enumerate(tables))
    with database.engine.begin() as conn:
        holding = {row[0] for row in conn.execute(sa.text(probe))}
        for i, table in enumerate(tables):
            if i in holding:
                conn.execute(table.delete())
        conn.execute(sa.text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value,"
            " false) FROM pg_sequences WHERE schemaname = current_schema()"))
