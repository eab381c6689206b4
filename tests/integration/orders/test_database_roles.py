"""The processes' database roles on the real PostgreSQL (this run's private database;
logins under a per-test prefix, since roles are global on a server): each role does its
own work as the process does it, and what belongs to another is refused."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from models.accounts.tables import User
from models.core.base import utcnow
from models.core.config import Config
from models.core.db import Database
from models.core.db_roles import DB_ROLES, drop_database_roles, grant_database_roles
from models.core.retention import prune
from models.registry import retained
from models.ticketing.orders.expire import expire_due_orders
from producers.publisher import ConfirmingPublisher
from producers.relay import Relay, relay_database
from tests.support.broker import declare_topology
from tests.support.orders import buy, make_due, order_row
from tests.support.outbox import unpublished


@pytest.fixture
def roles(db: Database) -> Iterator[dict[str, Config]]:
    """Role name -> a Config whose DATABASE_URL logs in as that role."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    passwords = {r.name: secrets.token_urlsafe(32) for r in DB_ROLES}
    with db.engine.begin() as conn:
        grant_database_roles(conn, passwords, prefix=prefix)
    url = make_url(db.config.database_url)
    yield {name: db.config.with_(database_url=url.set(
        username=prefix + name, password=password).render_as_string(hide_password=False))
        for name, password in passwords.items()}
    with db.engine.begin() as conn:
        drop_database_roles(conn, prefix=prefix)


@pytest.fixture
def connect(roles) -> Iterator[Callable[[str], sa.Connection]]:
    engines: list[sa.Engine] = []

    def open_as(role: str) -> sa.Connection:
        engines.append(sa.create_engine(roles[role].database_url.replace(
            "postgresql://", "postgresql+psycopg2://", 1)))
        return engines[-1].connect()

    yield open_as
    for engine in engines:
        engine.dispose()


def refused(conn: sa.Connection, statement: str) -> bool:
    """Whether PostgreSQL refuses `statement` for want of a right (42501) or ownership."""
    try:
        with conn.begin():
            conn.execute(sa.text(statement))
    except ProgrammingError as exc:
        return exc.orig.pgcode in ("42501",)  # insufficient_privilege (owner checks too)
    return False


def allowed(conn: sa.Connection, statement: str) -> bool:
    with conn.begin() as txn:
        conn.execute(sa.text(statement))
        txn.rollback()
    return True


NO_ROLE_MAY = ["DROP TABLE orders", "TRUNCATE outbox", "ALTER TABLE users ADD COLUMN x int",
               "CREATE TABLE mine (id int)", "CREATE ROLE mine",
               "CREATE INDEX mine ON orders (currency)"]


@pytest.mark.parametrize("role", [r.name for r in DB_ROLES])
def test_no_role_changes_the_schema(connect, role):
    with connect(role) as conn:
        assert [s for s in NO_ROLE_MAY if not refused(conn, s)] == []


def test_the_api_reads_and_writes_rows(connect, shop):
    with connect("api") as conn:
        assert allowed(conn, "UPDATE orders SET currency = currency")
        assert allowed(conn, "SELECT password_hash FROM users")
        assert allowed(conn, "INSERT INTO auth_throttles (key, window_started_at, failures) "
                             "VALUES ('k', now(), 1)")
        assert allowed(conn, "DELETE FROM payments")


def test_the_relay_publishes_and_prunes_and_touches_no_order(connect, roles, db, client, shop,
                                                              amqp_url):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 1)
    assert r.status_code == 201, r.get_json()
    declare_topology(amqp_url, roles["relay"])
    relay_db = relay_database(roles["relay"].with_(amqp_url=amqp_url))
    publisher = ConfirmingPublisher(amqp_url)
    try:
        assert publisher.start()
        assert Relay(relay_db, publisher).drain() >= 1  # claims, publishes, marks
        prune(relay_db, roles["relay"], retained(roles["relay"]), now=utcnow())
    finally:
        publisher.close()
        relay_db.dispose()
    assert unpublished(db) == 0
    with connect("relay") as conn:
        for forbidden in ("UPDATE orders SET status = 'completed'", "SELECT email FROM users",
                          "SELECT * FROM attendees", "INSERT INTO outbox (message_id) "
                          "VALUES ('forged')", "DELETE FROM orders"):
            assert refused(conn, forbidden), forbidden


def test_expiry_gives_units_back_as_its_role_and_reads_no_user(connect, roles, db, client,
                                                                shop):
    r = buy(client, shop.buyer_token, shop.event_id, shop.ticket_id, 2)
    order_id = int(r.get_json()["data"]["id"])
    make_due(db, order_id)
    expire_db = Database(roles["expire"])
    try:
        assert expire_due_orders(expire_db, utcnow()) == 1
    finally:
        expire_db.dispose()
    assert order_row(db, order_id).status == "expired"
    with connect("expire") as conn:
        for forbidden in ("SELECT email FROM users", "DELETE FROM orders",
                          "UPDATE outbox SET published_at = now()",
                          "SELECT * FROM check_in_scans"):
            assert refused(conn, forbidden), forbidden


def test_consumers_load_users_but_never_their_password_hashes(connect, roles, shop):
    consumer_db = Database(roles["consumer"])
    try:
        with consumer_db.session() as session:  # as the mail consumer reads a recipient
            user = session.get(User, shop.buyer.id)
            assert user.email == "buyer@example.com"
    finally:
        consumer_db.dispose()
    with connect("consumer") as conn:
        assert allowed(conn, "UPDATE events SET rating_count = rating_count")
        assert allowed(conn, "SELECT id, email, display_name, is_active FROM users")
        for forbidden in ("SELECT password_hash FROM users", "SELECT * FROM users",
                          "UPDATE users SET is_admin = true", "SELECT * FROM payments",
                          "SELECT * FROM idempotency_keys", "DELETE FROM auth_throttles"):
            assert refused(conn, forbidden), forbidden


def test_granting_again_grants_the_tables_a_migration_added(db, roles, connect):
    """The migration job grants on every deploy: a table made since is granted as the
    rules say (the api's rows), and no more (not to the relay)."""
    prefix = make_url(roles["api"].database_url).username.removesuffix("api")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE later_table (id serial PRIMARY KEY)"))
    try:
        with db.engine.begin() as conn:
            grant_database_roles(conn, dict.fromkeys(roles, secrets.token_urlsafe(32)),
                                 prefix=prefix)
            hashed = conn.execute(sa.text(
                "SELECT count(*) FROM pg_authid WHERE rolname LIKE :p AND rolpassword "
                "LIKE 'SCRAM-SHA-256$%'"), {"p": prefix + "%"}).scalar()
        assert hashed == len(DB_ROLES)  # (this server trusts local logins: not checked)
        with connect("api") as conn, conn.begin():
            conn.execute(sa.text("INSERT INTO later_table DEFAULT VALUES"))
        with connect("relay") as conn:
            assert refused(conn, "SELECT * FROM later_table")
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE later_table"))


def test_the_migration_job_grants_the_roles_and_refuses_a_weak_password(db):
    from click.testing import CliRunner

    from cli.server import upgrade

    prefix = f"t{uuid.uuid4().hex[:8]}_"
    env = {"DATABASE_URL": db.config.database_url,
           **{r.password_variable: secrets.token_urlsafe(32) for r in DB_ROLES}}
    try:
        weak = CliRunner().invoke(upgrade, ["--roles", "--prefix", prefix],
                                  env={**env, "RELAY_DB_PASSWORD": "short"})
        assert weak.exit_code != 0 and "RELAY_DB_PASSWORD" in weak.output
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM pg_roles WHERE rolname "
                                        "LIKE :p"), {"p": prefix + "%"}).scalar() == 0
        done = CliRunner().invoke(upgrade, ["--roles", "--prefix", prefix], env=env)
        assert done.exit_code == 0, done.output
        assert f"{prefix}relay" in done.output
    finally:
        with db.engine.begin() as conn:
            drop_database_roles(conn, prefix=prefix)
