"""Imports every table module so that Base.metadata is complete (alembic, tests)."""

from models import outbox, stats_tables, tables, ticketing_tables  # noqa: F401
