"""Database roles: one login per process role, each with only the rights its work needs.

The migration job's user owns the schema: it alone creates, alters and drops. After each
`db upgrade --roles` it creates or updates the role logins below (`<prefix><role>`) and
grants their rights again from nothing, so a table a migration added is granted as these
rules say and no right outlives its rule. Rights are on rows only: no role but the owner
may run DDL, TRUNCATE, or create anything in the schema.

- `api`: reads and writes the rows of every table.
- `relay`: publishes the outbox (reads it, marks rows published or quarantined) and
  prunes the tables that only grow (models.registry.retained); it reads nothing else,
  and writes no order.
- `expire`: gives back the units, discount uses and attendees of expired orders and
  records `order.expired`; it reads the events, tickets and orders it needs, not users.
- `consumer`: every consumer process; reads and writes rows of every table but the
  sign-in and payment ones (no payments, idempotency keys, sign-in throttles) and reads
  users without their password hashes (the ORM defers `password_hash`).

SQL only, built here from one table of rules; the names of tables are the schema's,
read from the database when granting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, text

ROWS = "SELECT, INSERT, UPDATE, DELETE"
EVERY_OTHER = "*"  # the rule for every table a role's rules do not name
DEFAULT_PREFIX = "venuebus_"


@dataclass(frozen=True)
class Columns:
    """`privileges` on every column of the table but `without`."""

    privileges: str
    without: tuple[str, ...]


Rule = str | Columns | None  # None (or ""): nothing on that table


@dataclass(frozen=True)
class DbRole:
    name: str
    tables: Mapping[str, Rule]

    @property
    def password_variable(self) -> str:
        return f"{self.name.upper()}_DB_PASSWORD"


DB_ROLES: tuple[DbRole, ...] = (
    DbRole("api", {EVERY_OTHER: ROWS}),
    DbRole("relay", {
        "outbox": "SELECT, UPDATE, DELETE",
        # pruning (models.registry.retained)
        "processed_messages": "SELECT, DELETE", "stats_applied_facts": "SELECT, DELETE",
        "idempotency_keys": "SELECT, DELETE", "auth_throttles": "SELECT, DELETE",
    }),
    DbRole("expire", {
        "orders": "SELECT, UPDATE", "order_lines": "SELECT", "attendees": "SELECT, UPDATE",
        "tickets": "SELECT, UPDATE", "discount_codes": "SELECT, UPDATE",
        "pending_holds": ROWS, "events": "SELECT", "payments": "SELECT",
        "outbox": "SELECT, INSERT",
    }),
    DbRole("consumer", {
        EVERY_OTHER: ROWS,
        "users": Columns("SELECT", without=("password_hash",)),
        "payments": None, "idempotency_keys": None, "auth_throttles": None,
    }),
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _grants(conn: Connection, role: DbRole, login: str) -> list[str]:
    tables = conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).scalars().all()
    statements = []
    for table in tables:
        rule = role.tables.get(table, role.tables.get(EVERY_OTHER))
        if isinstance(rule, Columns):
            columns = conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = :t ORDER BY ordinal_position"), {"t": table}
            ).scalars().all()
            shown = ", ".join(_quoted(c) for c in columns if c not in rule.without)
            statements.append(f"GRANT {rule.privileges} ({shown}) ON {_quoted(table)} "
                              f"TO {login}")
        elif rule:
            statements.append(f"GRANT {rule} ON {_quoted(table)} TO {login}")
    if any(isinstance(rule, str) and ("INSERT" in rule or "UPDATE" in rule)
           for rule in role.tables.values()):
        # nextval() on the tables' ids, and on the sequences their triggers draw from
        # (attendee_sync_seq on every attendee change)
        statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {login}")
    return statements


_SET_LOGIN = """
DO $$
DECLARE login text := current_setting('venuebus.login');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
    EXECUTE format('CREATE ROLE %I', login);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT '
                 'PASSWORD %L', login, current_setting('venuebus.password'));
END $$"""

def grant_database_roles(conn: Connection, passwords: Mapping[str, str], *,
                         prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Create or update the login `<prefix><role>` of every role of DB_ROLES with its
    password (`passwords[role]`), revoke everything it had on this database's tables,
    sequences and schema, and grant what its rules say. Idempotent; run by the schema's
    owner in a transaction of the caller's. Returns the login names. Raises KeyError for
    a role without a password."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    logins = []
    for role in DB_ROLES:
        name = prefix + role.name
        login = _quoted(name)
        # utility statements take no bind parameters: the name and password reach
        # them as transaction-local settings, quoted by format() on the server
        conn.execute(text("SELECT set_config('venuebus.login', :n, true), "
                          "set_config('venuebus.password', :p, true)"),
                     {"n": name, "p": passwords[role.name]})
        conn.execute(text(_SET_LOGIN))
        conn.execute(text(f"GRANT CONNECT ON DATABASE {_quoted(database)} TO {login}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {login}"))
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {login}"))
        conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {login}"))
        for statement in _grants(conn, role, login):
            conn.execute(text(statement))
        logins.append(name)
    conn.execute(text("SELECT set_config('venuebus.password', '', true)"))
    return logins


def drop_database_roles(conn: Connection, *, prefix: str) -> None:
    """Drop the logins of `prefix` and what they were granted in this database (tests:
    roles are global to the server). Other databases' grants must be gone already."""
    for role in DB_ROLES:
        name = prefix + role.name
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                        {"n": name}).first():
            conn.execute(text(f"DROP OWNED BY {_quoted(name)}"))
            conn.execute(text(f"DROP ROLE {_quoted(name)}"))
