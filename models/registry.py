"""Imports every table module so that Base.metadata is complete (alembic, tests), and
every contract module so that the event registry is."""

from models import (  # noqa: F401
    badge_tables,
    contracts_badges,
    contracts_speakers,
    contracts_ticketing,
    outbox,
    speaker_tables,
    stats_tables,
    tables,
    ticketing_tables,
)
