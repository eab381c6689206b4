"""Imports every table module so that Base.metadata is complete (alembic, tests)."""

from models import badge_tables, outbox, tables  # noqa: F401
