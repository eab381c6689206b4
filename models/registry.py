"""Imports every table and contract module so that Base.metadata and the event registry
are complete (alembic, tests, consumers)."""

from models import badge_tables, contracts_badges, outbox, tables  # noqa: F401
