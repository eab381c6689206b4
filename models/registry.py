"""Imports every table module so that Base.metadata is complete (alembic, tests)."""

from models import contracts_speakers, outbox, speaker_tables, tables  # noqa: F401
