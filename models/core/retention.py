"""Retention: the tables that only grow are pruned past their horizons, in small batches.

- published outbox rows, after `Config.outbox_retention_s`;
- the consumers' tracking rows (`processed_messages`) and the stats consumer's applied
  facts, after `Config.dedupe_horizon_s`, which Config checks outlasts the longest
  redelivery path: a redelivery within it is still recognised;
- idempotency keys, once expired (`models.ticketing.orders.idempotency.KEY_TTL`).

Which tables, and their horizons, is `models.registry.retained`: this module is the
mechanism and knows no domain. Each batch is one short transaction
(`Config.prune_batch_size` rows), so pruning never holds locks the request paths wait
on for long; several pruners may run at once."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text, tuple_
from sqlalchemy.orm import Session

from models.core.base import utcnow
from models.core.config import Config
from models.core.db import Database

log = logging.getLogger("venuebus.retention")


@dataclass(frozen=True)
class Retained:
    """A pruned table: rows whose `stamp` is older than `keep` go (when `only` holds)."""

    model: type
    stamp: ColumnElement
    keep: timedelta
    only: ColumnElement | None = None

    @property
    def name(self) -> str:
        return self.model.__tablename__

    def expired(self, now: datetime) -> list[ColumnElement]:
        return [self.stamp < now - self.keep, *([self.only] if self.only is not None else [])]


def _prune_batch(session: Session, table: Retained, now: datetime, size: int) -> int:
    keys = list(table.model.__table__.primary_key.columns)
    victims = select(*keys).where(*table.expired(now)).limit(size)
    target = keys[0] if len(keys) == 1 else tuple_(*keys)
    if len(keys) == 1:
        victims = victims.scalar_subquery()
    return session.execute(delete(table.model).where(target.in_(victims))).rowcount


def prune(db: Database, config: Config, tables: list[Retained], *,
          now: datetime | None = None,
          max_batches: int | None = None,
          stop: threading.Event | None = None) -> dict[str, int]:
    """Delete what is past its horizon, `config.prune_batch_size` rows per transaction,
    at most `max_batches` batches per table (None: until nothing is left), before each
    batch checking `stop`. Returns the rows deleted per table."""
    now = now or utcnow()
    deleted: dict[str, int] = {}
    for table in tables:
        deleted[table.name] = batches = 0
        while (max_batches is None or batches < max_batches) \
                and not (stop is not None and stop.is_set()):
            with db.session() as session:
                n = _prune_batch(session, table, now, config.prune_batch_size)
                session.commit()
            deleted[table.name] += n
            batches += 1
            if n < config.prune_batch_size:
                break
    return deleted


@dataclass(frozen=True)
class TableSize:
    name: str
    rows: int
    bytes: int | None  # None where the database does not say (SQLite)
    oldest_age_s: float | None  # None when empty


def table_sizes(db: Database, tables: list[Retained], *, now: datetime | None = None
                ) -> list[TableSize]:
    """Rows, bytes on disk and the age of the oldest row of every pruned table (the
    outbox's oldest published row), for `venuebus status`."""
    now = now or utcnow()
    out = []
    with db.session() as session:
        for table in tables:
            # every row counts; min() skips unpublished outbox rows (no published_at)
            rows, oldest = session.execute(
                select(func.count(), func.min(table.stamp)).select_from(table.model)).one()
            size = session.scalar(text("SELECT pg_total_relation_size(:t)"),
                                  {"t": table.name}) if db.is_postgres else None
            out.append(TableSize(table.name, int(rows),
                                 None if size is None else int(size),
                                 None if oldest is None else (now - oldest).total_seconds()))
    return out


class Pruner:
    """Prunes every `config.prune_interval_s` in a thread of a long-running process (the
    relay), apart from its main work. A failed round (the database away) is logged and
    tried again next interval."""

    def __init__(self, db: Database, config: Config, tables: list[Retained]) -> None:
        self.db, self.config, self.tables = db, config, tables
        self.stopping = threading.Event()
        self.rounds = 0
        self._thread = threading.Thread(target=self._run, name="pruner", daemon=True)

    def start(self) -> Pruner:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                deleted = prune(self.db, self.config, self.tables, stop=self.stopping)
                if any(deleted.values()):
                    log.info("pruned %s", ", ".join(f"{n} {t}" for t, n in deleted.items()))
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log.warning("pruning failed (%r); next round in %.0fs", exc,
                            self.config.prune_interval_s)
            self.rounds += 1
            self.stopping.wait(self.config.prune_interval_s)
