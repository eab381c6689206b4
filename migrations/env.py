"""Alembic environment: the URL comes from the caller's Config (or DATABASE_URL)."""

from __future__ import annotations

from alembic import context

import models.registry  # noqa: F401  (every table on Base.metadata)
from models.core.base import Base, UTCDateTime
from models.core.config import Config
from models.core.db import make_engine

config = context.config
url = config.attributes.get("database_url") or Config.from_env().database_url


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj, autogen_context):
    """Render our UTCDateTime as plain timestamptz so migrations do not import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
