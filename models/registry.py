"""Imports every table module so that Base.metadata is complete (alembic, tests), and
every wire contract so that the event registry is."""

import contracts.registry  # noqa: F401
from models.accounts import tables as accounts_tables  # noqa: F401
from models.badges import tables as badges_tables  # noqa: F401
from models.catalog import tables as catalog_tables  # noqa: F401
from models.core import outbox  # noqa: F401
from models.speakers import tables as speakers_tables  # noqa: F401
from models.ticketing import tables as ticketing_tables  # noqa: F401
from models.ticketing.stats import tables as stats_tables  # noqa: F401
