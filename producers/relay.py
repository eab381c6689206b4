"""The outbox relay: claims unpublished rows, publishes them with pipelined confirms and
marks them published only after the broker confirmed them.

Several relays may run on PostgreSQL (`FOR UPDATE SKIP LOCKED`); events of one aggregate
keep their order because a relay publishes an aggregate's rows only while they are the
oldest unpublished rows of that aggregate. A relay killed mid-batch leaves its rows
unpublished: they go out again and the consumers' dedupe makes that harmless."""

from __future__ import annotations

import logging
import select as io_select
import threading
import time
from collections.abc import Sequence

from sqlalchemy import bindparam, select, text, update

from models.base import utcnow
from models.db import Database
from models.outbox import OutboxMessage, outbox_lag
from models.uow import NOTIFY_CHANNEL
from producers.broker import properties
from producers.metrics import RelayMetrics
from producers.publisher import ConfirmingPublisher, Outgoing, PublishFailed

log = logging.getLogger("venuebus.relay")

_T = OutboxMessage.__table__
_CLAIM = select(_T.c.id, _T.c.message_id, _T.c.routing_key, _T.c.aggregate, _T.c.payload,
                _T.c.created_at).where(_T.c.published_at.is_(None)).order_by(_T.c.id)
_OLDER_PG = text("""SELECT id, aggregate FROM outbox WHERE published_at IS NULL
  AND id <= :max_id AND aggregate = ANY(:aggs) ORDER BY id""")
_MARK = update(_T).where(_T.c.id.in_(bindparam("ids", expanding=True))).values(
    published_at=bindparam("at", type_=_T.c.published_at.type), attempts=_T.c.attempts + 1)


def in_aggregate_order(rows: Sequence, unpublished: Sequence[tuple[int, str]]) -> list:
    """The rows that may go out now: per aggregate, the claimed rows up to the first older
    unpublished row that someone else holds. `unpublished` is (id, aggregate) by id."""
    mine = {r.id for r in rows}
    blocked: set[str] = set()
    allowed: set[int] = set()
    for row_id, aggregate in unpublished:
        if aggregate in blocked:
            continue
        if row_id in mine:
            allowed.add(row_id)
        else:
            blocked.add(aggregate)
    return [r for r in rows if r.id in allowed]


class Relay:
    def __init__(self, db: Database, publisher: ConfirmingPublisher, *, batch_size: int = 1000,
                 poll_interval: float = 1.0, metrics: RelayMetrics | None = None) -> None:
        self.db = db
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.metrics = metrics or RelayMetrics()
        self.stopping = threading.Event()
        self._listener = None

    def relay_once(self) -> int:
        """Publish one batch; returns how many rows were marked published."""
        pg = self.db.is_postgres
        with self.db.engine.connect() as conn, conn.begin():
            claim = _CLAIM.limit(self.batch_size)
            rows = conn.execute(claim.with_for_update(skip_locked=True) if pg else claim).all()
            if not rows:
                return 0
            if pg:
                aggs = sorted({r.aggregate for r in rows})
                older = conn.execute(_OLDER_PG, {"max_id": rows[-1].id, "aggs": aggs}).all()
                rows = in_aggregate_order(rows, older)
                if not rows:
                    return 0
            messages = [Outgoing(r.routing_key, r.payload.encode(), properties(
                r.message_id, "venuebus." + r.routing_key,
                timestamp=int(r.created_at.timestamp()) if r.created_at else None))
                for r in rows]
            started = time.perf_counter()
            self.publisher.publish(messages)
            self.metrics.confirm_seconds.observe(time.perf_counter() - started)
            conn.execute(_MARK, {"at": utcnow(), "ids": [r.id for r in rows]})
        self.metrics.published.inc(len(rows))
        self.metrics.returned.set(self.publisher.returned)
        return len(rows)

    def run(self) -> None:
        """Relay until stop(): drain, then sleep until NOTIFY (PostgreSQL) or the poll
        interval. Broker or DB trouble: back off and retry, never exit."""
        backoff = 0.5
        if not self.db.is_postgres:
            log.info("SQLite: one relay, polling every %.1fs (no SKIP LOCKED, no NOTIFY)",
                     self.poll_interval)
        while not self.stopping.is_set():
            try:
                self.publisher.start()
                self._listen()
                n = self.relay_once()
                backoff = 0.5
                if n < self.batch_size:
                    self._wait()
            except PublishFailed as exc:
                log.warning("broker unavailable (%s); retrying in %.1fs", exc, backoff)
                self.metrics.failures.inc()
                self.publisher.close()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10)
            except Exception as exc:  # noqa: BLE001 - DB loss: back off, reconnect
                log.warning("relay error (%r); retrying in %.1fs", exc, backoff)
                self.metrics.failures.inc()
                self._unlisten()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10)
        self._unlisten()
        self.publisher.close()

    def stop(self) -> None:
        self.stopping.set()

    def _listen(self) -> None:
        if self._listener is not None or not self.db.is_postgres:
            return
        conn = self.db.engine.raw_connection()
        raw = conn.dbapi_connection
        raw.autocommit = True
        with raw.cursor() as cur:
            cur.execute(f"LISTEN {NOTIFY_CHANNEL}")
        self._listener = conn

    def _unlisten(self) -> None:
        if self._listener is not None:
            try:
                self._listener.invalidate()
            except Exception:  # noqa: BLE001
                pass
            self._listener = None

    def _wait(self) -> None:
        with self.db.session() as session:
            pending, lag = outbox_lag(session)
        self.metrics.pending.set(pending)
        self.metrics.lag.set(lag)
        if self._listener is None:
            self.stopping.wait(self.poll_interval)
            return
        raw = self._listener.dbapi_connection
        ready, _, _ = io_select.select([raw], [], [], self.poll_interval)
        if ready:
            raw.poll()
            raw.notifies.clear()
