"""Imports every table module so that Base.metadata is complete (alembic, tests)."""

from models import outbox, tables  # noqa: F401
