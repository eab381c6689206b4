"""The outbox relay: claims unpublished rows, publishes them with pipelined confirms and
marks them published only after the broker confirmed them.

Several relays may run on PostgreSQL (`FOR UPDATE SKIP LOCKED`); events of one aggregate
keep their order because a relay publishes an aggregate's rows only while they are the
oldest unpublished rows of that aggregate. A relay killed mid-batch leaves its rows
unpublished: they go out again and the consumers' dedupe makes that harmless.

Order holds on the normal path. After a failure (a nack, a lost connection) every batch
in flight is rolled back and published again, so a consumer may already have seen a
later event of an aggregate before the republished earlier one: delivery is
at-least-once, and handlers are written to be correct in any order (ratings and stats
apply commutative deltas; speaker state keeps the newest by its report time)."""

from __future__ import annotations

import logging
import os
import select as io_select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Transaction, bindparam, case, select, text, update

from bus.backoff import Backoff
from bus.connection import TopologyMismatch
from bus.messages import properties
from bus.stages import StageLog
from models.core.base import utcnow
from models.core.config import Config
from models.core.db import Database, background_database
from models.core.outbox import (
    NOTIFY_CHANNEL,
    OutboxMessage,
    count_quarantined,
    outbox_lag,
)
from producers.metrics import RelayMetrics
from producers.publisher import ConfirmingPublisher, Outgoing, Pending, PublishFailed
from producers.sqlite_wake import WAKE_INTERVAL_S, SqliteCommits

log = logging.getLogger("venuebus.relay")

_T = OutboxMessage.__table__
_CLAIM = select(_T.c.id, _T.c.message_id, _T.c.routing_key, _T.c.type, _T.c.aggregate,
                _T.c.payload, _T.c.created_at).where(
    _T.c.published_at.is_(None), _T.c.quarantined_at.is_(None)).order_by(_T.c.id)
# a quarantined row no longer holds back the later events of its aggregate
_OLDER_PG = text("""SELECT id, aggregate FROM outbox WHERE published_at IS NULL
  AND quarantined_at IS NULL AND id <= :max_id AND aggregate = ANY(:aggs) ORDER BY id""")
_MARK = update(_T).where(_T.c.id.in_(bindparam("ids", expanding=True))).values(
    published_at=bindparam("at", type_=_T.c.published_at.type), attempts=_T.c.attempts + 1)
# a failed batch: count the attempts the broker answered; quarantine the rows it refused
# for the last allowed time
_COUNT_FAILED = update(_T).where(
    _T.c.message_id.in_(bindparam("answered", expanding=True))).values(
    attempts=_T.c.attempts + 1,
    quarantined_at=case((_T.c.message_id.in_(bindparam("refused", expanding=True))
                         & (_T.c.attempts + 1 >= bindparam("limit")),
                         bindparam("at", type_=_T.c.quarantined_at.type)),
                        else_=_T.c.quarantined_at)).returning(
    _T.c.id, _T.c.routing_key, _T.c.attempts, _T.c.quarantined_at)
GAUGE_INTERVAL_S = 1.0  # gauges cost a query: at most one per second, also mid-drain
# how long a relay's statement waits for a lock before it fails (see relay_database)
LOCK_TIMEOUT_MS = 5000


def relay_database(config: Config) -> Database:
    """The relay's database. On PostgreSQL its connections:
    - commit without waiting for the WAL flush (`synchronous_commit=off`): a database
      crash may forget its last marks (never a torn one), and those rows are published
      again, which the consumers' tracking drops; so too its attempt counts and pruning;
    - give up a lock wait after LOCK_TIMEOUT_MS: a claim never waits for a row (SKIP
      LOCKED), only behind a table lock (a migration, a TRUNCATE), which itself waits for
      the batches in flight that only this relay can finish; failing the claim rolls
      those back and lets the table lock through, where waiting would hang both."""
    if not config.database_url.startswith("postgresql"):
        return background_database(config)
    options = f"-c synchronous_commit=off -c lock_timeout={LOCK_TIMEOUT_MS}"
    return background_database(config, connect_args={"options": options})


def in_aggregate_order(rows: Sequence, unpublished: Sequence[tuple[int, str]],
                       in_flight: Iterable[int] = ()) -> list:
    """The rows that may go out now: per aggregate, the claimed rows up to the first older
    unpublished row that someone else holds. `unpublished` is (id, aggregate) by id;
    `in_flight` are ids this relay already sent on its channel (they count as its own)."""
    mine = {r.id for r in rows} | set(in_flight)
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


@dataclass
class _InFlight:
    """A claimed batch: its transaction holds the row locks until the confirms are in."""

    conn: Connection
    txn: Transaction
    ids: list[int]
    pending: Pending
    started: float
    message_ids: list[str]
    stamps: dict[str, float]  # wall-clock times of its stages (bus/stages.py)
    full: bool  # the claim hit batch_size: more rows may be waiting

    def close(self) -> None:
        try:
            if self.txn.is_active:
                self.txn.rollback()
        finally:
            self.conn.close()


class Relay:
    def __init__(self, db: Database, publisher: ConfirmingPublisher, *, batch_size: int = 1000,
                 poll_interval: float = 1.0, metrics: RelayMetrics | None = None,
                 declare: Callable[[], None] | None = None,
                 max_attempts: int | None = None, window: int | None = None,
                 claim_on_notify: bool | None = None, stages: StageLog | None = None,
                 wake_interval: float = WAKE_INTERVAL_S) -> None:
        self.db = db
        # refusals after which a row is quarantined (Config.outbox_max_attempts)
        self.max_attempts = max_attempts or db.config.outbox_max_attempts
        self.publisher = publisher
        self.declare = declare  # the topology, on every (re)connect
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.metrics = metrics or RelayMetrics()
        # unset, these are what ships (Config.relay_window, Config.relay_claim_on_notify):
        # batches in flight at once on PostgreSQL (each holds its rows' locks and a
        # connection), and whether, while the oldest batch awaits its confirm, a NOTIFY
        # claims the next one at once
        self.window = db.config.relay_window if window is None else window
        self.claim_on_notify = db.config.relay_claim_on_notify if claim_on_notify is None \
            else claim_on_notify
        self.stages = stages
        self.stopping = threading.Event()
        self._listener = None
        self._bell: tuple[int, int] | None = None  # a pipe: a confirmed batch rings it
        self._woke_at = 0.0
        self._lag_read_at = 0.0
        # SQLite has no NOTIFY: a look at its commit counter every `wake_interval`
        self._commits = None if db.is_postgres else SqliteCommits(db.engine, wake_interval)

    def relay_once(self) -> int:
        """Publish one batch; returns how many rows were marked published."""
        return self.drain(max_batches=1)

    def drain(self, max_batches: int | None = None) -> int:
        """Publish until nothing is claimable, `max_batches` were claimed or stop() was
        called, with up to `window` batches in flight; returns how many rows were marked
        published. While listening (`run`), a NOTIFY that comes before the oldest batch's
        confirm claims the next batch at once. On any failure every batch in flight is
        rolled back: its rows go out again later (a row the broker refused counts an
        attempt first)."""
        window = self.window if self.db.is_postgres else 1  # SQLite cannot lock in flight
        in_flight: deque[_InFlight] = deque()
        total = batches = 0
        try:
            while True:
                claimed = None
                may_claim = (max_batches is None or batches < max_batches) \
                    and not self.stopping.is_set()
                if may_claim:
                    claimed = self._claim(in_flight)
                if claimed is not None:
                    in_flight.append(claimed)
                    batches += 1
                if not in_flight:
                    return total
                if len(in_flight) < window and may_claim:
                    if claimed is not None and (claimed.full or not self._eager):
                        continue
                    # a short claim took every committed row: the next are NOTIFYed
                    if self._notified_first(in_flight[0].pending):
                        continue
                total += self._settle(in_flight.popleft())
                self._refresh_gauges()
        finally:
            for batch in in_flight:
                batch.close()

    @property
    def _eager(self) -> bool:
        return self.claim_on_notify and self._listener is not None and self._bell is not None

    def _notified_first(self, oldest: Pending) -> bool:
        """Wait for the oldest batch's confirm or a NOTIFY, whichever comes first; True
        for a NOTIFY (claim the rows it announces). Not listening: False at once."""
        if not self._eager or oldest.done.is_set():
            return False
        raw = self._listener.dbapi_connection
        ready, _, _ = io_select.select([raw, self._bell[0]], [], [], self.poll_interval)
        if self._bell[0] in ready:
            _drain_pipe(self._bell[0])
        if raw not in ready:
            return False
        self._woke_at = time.time()
        raw.poll()
        raw.notifies.clear()
        return not oldest.done.is_set()

    def _ring(self) -> None:
        bell = self._bell
        if bell is not None:
            try:
                os.write(bell[1], b".")
            except OSError:  # full (the relay will look anyway) or closed by _unlisten
                pass

    def _claim(self, in_flight: deque[_InFlight]) -> _InFlight | None:
        pg = self.db.is_postgres
        claiming = time.time()
        conn = self.db.engine.connect()
        txn = conn.begin()
        try:
            claim = _CLAIM.limit(self.batch_size)
            rows = conn.execute(claim.with_for_update(skip_locked=True) if pg else claim).all()
            full = len(rows) >= self.batch_size
            if rows and pg:
                aggs = sorted({r.aggregate for r in rows})
                older = conn.execute(_OLDER_PG, {"max_id": rows[-1].id, "aggs": aggs}).all()
                rows = in_aggregate_order(rows, older, (i for b in in_flight for i in b.ids))
            if not rows:
                txn.rollback()
                conn.close()
                return None
            claimed = time.time()
            pending = self.publisher.publish_async([Outgoing(
                r.routing_key, r.payload.encode(), properties(
                    r.message_id, r.type,
                    timestamp=int(r.created_at.timestamp()) if r.created_at else None))
                for r in rows], on_done=self._ring)
            return _InFlight(conn, txn, [r.id for r in rows], pending, time.perf_counter(),
                             [r.message_id for r in rows],
                             {"woke": self._woke_at, "claiming": claiming, "claimed": claimed},
                             full)
        except BaseException:
            txn.rollback()
            conn.close()
            raise

    def _settle(self, batch: _InFlight) -> int:
        try:
            try:
                self.publisher.wait(batch.pending)
            except PublishFailed:
                self._count_failed(batch)
                raise
            self.metrics.confirm_seconds.observe(time.perf_counter() - batch.started)
            batch.conn.execute(_MARK, {"at": utcnow(), "ids": batch.ids})
            batch.txn.commit()
        finally:
            batch.close()
        if self.stages is not None:
            self.stages.batch(batch.message_ids, **batch.stamps, sent=batch.pending.sent_at,
                              confirmed=batch.pending.done_at, marked=time.time())
        self.metrics.published.inc(len(batch.ids))
        self.metrics.returned.set(self.publisher.returned)
        return len(batch.ids)

    def _count_failed(self, batch: _InFlight) -> None:
        """In the failed batch's own transaction (its rows are still locked): one more
        attempt for every row the broker answered; a row it refused for the
        `max_attempts`-th time is quarantined, so it no longer stalls the batches."""
        answered, refused = batch.pending.answered.copy(), batch.pending.refused.copy()
        if not answered | refused:
            return  # the connection went: not the rows' fault
        rows = batch.conn.execute(_COUNT_FAILED, {
            "answered": sorted(answered | refused), "refused": sorted(refused) or [""],
            "limit": self.max_attempts, "at": utcnow()}).all()
        batch.txn.commit()
        for row in rows:
            if row.quarantined_at is not None and row.attempts >= self.max_attempts:
                log.error("outbox row %d (%s) quarantined after %d attempts; "
                          "`venuebus outbox replay --id %d` once the cause is fixed",
                          row.id, row.routing_key, row.attempts, row.id)

    def _refresh_gauges(self) -> None:
        if time.monotonic() - self._lag_read_at < GAUGE_INTERVAL_S:
            return
        with self.db.session() as session:
            pending, lag = outbox_lag(session)
            held = count_quarantined(session)
        self.metrics.pending.set(pending)
        self.metrics.lag.set(lag)
        self.metrics.quarantined.set(held)
        self._lag_read_at = time.monotonic()

    def run(self) -> None:
        """Relay until stop(): drain, then sleep until NOTIFY (PostgreSQL), a commit
        (SQLite, `_wait_sqlite`) or the poll interval. Broker or DB trouble: back off and
        retry. Exits only on stop(), or with TopologyMismatch when a (re)declaration finds
        queues with other arguments: restarting will not fix that."""
        backoff = Backoff(self.stopping)
        if self._commits is not None:
            log.info("SQLite: one relay (no SKIP LOCKED); woken by commits, looked for "
                     "every %.0f ms (no NOTIFY)", self._commits.interval * 1000)
        connections, failed = 0, False  # a failure already counted closed the last one
        while not self.stopping.is_set():
            try:
                fresh = self.publisher.start()
                if fresh and connections and not failed:  # lost while the relay was idle
                    log.warning("broker connection was lost; reconnected")
                    self.metrics.failures.inc()
                connections, failed = connections + fresh, False
                if fresh and self.declare is not None:
                    try:
                        self.declare()
                    except Exception:
                        self.publisher.close()  # declare again with the next connection
                        raise
                self._listen()
                self.drain()
                backoff.reset()
                self._wait()
                self._woke_at = time.time()
            except TopologyMismatch:
                self._unlisten()
                self.publisher.close()
                raise
            except PublishFailed as exc:
                log.warning("broker unavailable (%s); retrying in %.1fs", exc, backoff.delay)
                self.metrics.failures.inc()
                failed = True
                self.publisher.close()
                backoff.wait()
            except Exception as exc:  # noqa: BLE001 - DB loss: back off, reconnect
                log.warning("relay error (%r); retrying in %.1fs", exc, backoff.delay)
                self.metrics.failures.inc()
                failed = True
                self._unlisten()
                backoff.wait()
        self._unlisten()
        if self._commits is not None:
            self._commits.close()
        self.publisher.close()
        bell, self._bell = self._bell, None
        for fd in bell or ():
            os.close(fd)

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
        if self._bell is None:  # kept until run() ends: the I/O thread may still ring it
            self._bell = os.pipe()
            for fd in self._bell:
                os.set_blocking(fd, False)

    def _unlisten(self) -> None:
        if self._listener is not None:
            try:
                self._listener.invalidate()
            except Exception:  # noqa: BLE001
                pass
            self._listener = None

    def _wait(self) -> None:
        self._refresh_gauges()
        if self._commits is not None:
            self._wait_sqlite()
            return
        if self._listener is None:
            self.stopping.wait(self.poll_interval)
            return
        raw = self._listener.dbapi_connection
        ready, _, _ = io_select.select([raw], [], [], self.poll_interval)
        if ready:
            raw.poll()
            raw.notifies.clear()

    def _wait_sqlite(self) -> None:
        """Until any connection commits to the database (a row may be in the outbox), at
        most the poll interval; a commit made while the relay drained wakes it at once."""
        self._commits.wait(self.poll_interval, self.stopping)


def _drain_pipe(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass
