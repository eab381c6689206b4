"""The schema changes only through alembic: round trip and no drift, on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import models.registry  # noqa: F401
from models.core.base import Base
from models.core.migrate import alembic_config, downgrade, upgrade
from tests.support.services import fresh_database


def test_every_migration_runs_up_down_and_up_again(pg_admin_url):
    script = ScriptDirectory.from_config(alembic_config("unused"))
    revisions = list(script.walk_revisions())
    assert revisions, "no migrations found"
    with fresh_database(pg_admin_url, "venuebus_migr") as url:
        upgrade(url)
        downgrade(url, "base")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade(url)
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        engine.dispose()
        assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_models_and_migrations_do_not_drift(database_url):
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_run_on_sqlite_too(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert "outbox" in sa.inspect(conn).get_table_names()
    engine.dispose()
