"""Imports every table module so that Base.metadata is complete (alembic, tests), and
every wire contract so that the event registry is; names the tables that are pruned."""

from datetime import timedelta

import contracts.registry  # noqa: F401
from models.accounts import tables as accounts_tables  # noqa: F401
from models.accounts.tables import AuthThrottle
from models.badges import tables as badges_tables  # noqa: F401
from models.catalog import tables as catalog_tables  # noqa: F401
from models.core import outbox, waits  # noqa: F401
from models.core.config import Config
from models.core.outbox import OutboxMessage, ProcessedMessage
from models.core.retention import Retained
from models.mail import tables as mail_tables  # noqa: F401
from models.speakers import tables as speakers_tables  # noqa: F401
from models.ticketing import tables as ticketing_tables  # noqa: F401
from models.ticketing.checkin import list_tables  # noqa: F401
from models.ticketing.exports import tables as exports_tables  # noqa: F401
from models.ticketing.orders.idempotency import KEY_TTL
from models.ticketing.stats import tables as stats_tables  # noqa: F401
from models.ticketing.stats.tables import StatsAppliedFact
from models.ticketing.tables import IdempotencyKey
from models.ticketing.timeline import tables as timeline_tables  # noqa: F401


def retained(config: Config) -> list[Retained]:
    horizon = timedelta(seconds=config.dedupe_horizon_s)
    return [
        Retained(OutboxMessage, OutboxMessage.published_at,
                 timedelta(seconds=config.outbox_retention_s),
                 OutboxMessage.published_at.is_not(None)),
        Retained(ProcessedMessage, ProcessedMessage.processed_at, horizon),
        Retained(StatsAppliedFact, StatsAppliedFact.applied_at, horizon),
        Retained(IdempotencyKey, IdempotencyKey.created_at, KEY_TTL),
        # a throttle row whose window ended counts nothing any more
        Retained(AuthThrottle, AuthThrottle.window_started_at,
                 timedelta(seconds=config.login_window_seconds)),
    ]
