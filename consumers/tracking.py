"""Exactly-once effects on at-least-once delivery: the `(consumer, message_id)` tracking
rows are written in the same transaction as the handler's effect."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from bus.backoff import Backoff
from bus.consume import Delivery, Outcome, Permanent
from consumers.registry import Consumer
from consumers.waiting import PeerWait
from models.core.base import utcnow
from models.core.db import Database
from models.core.outbox import ProcessedMessage
from models.core.uow import UnitOfWork

log = logging.getLogger("venuebus.consumer")
ACK = Outcome("ack")


def claim_new(uow: UnitOfWork, consumer: str, deliveries: list[Delivery]) -> list[Delivery]:
    """Insert tracking rows; return the deliveries whose id was not processed before
    (in arrival order, each id once)."""
    unique: dict[str, Delivery] = {}
    for d in deliveries:
        unique.setdefault(d.message_id, d)
    if not unique:
        return []
    # ON CONFLICT DO NOTHING ... RETURNING: the rows inserted now are the fresh ids
    ins = postgresql.insert if uow.db.is_postgres else sqlite.insert
    now = utcnow()
    rows = [{"consumer": consumer, "message_id": mid, "processed_at": now} for mid in unique]
    stmt = ins(ProcessedMessage).on_conflict_do_nothing().returning(ProcessedMessage.message_id)
    fresh = list(uow.session.scalars(stmt, rows))
    fresh_ids = set(fresh)
    return [d for d in unique.values() if d.message_id in fresh_ids]


def wait_for_database(db: Database, exc: Exception,
                      stop: threading.Event | None = None) -> bool:
    """True when `exc` came from losing the database (the connection dropped, or the
    server does not answer): then wait (the messages stay unacked in the broker,
    heartbeats go on) until it answers again. An outage is not the message's fault and
    costs it no attempt. A `stop` set while waiting ends the wait: False, as for any
    other failure."""
    if not isinstance(exc, DBAPIError):
        return False
    if _answers(db):
        return bool(exc.connection_invalidated)  # dropped, and back already
    backoff = Backoff(stop or threading.Event())
    log.warning("database unavailable (%s); waiting for it", type(exc.orig).__name__)
    while not _answers(db):
        if not backoff.wait():
            log.info("stopping while the database is away")
            return False
    log.info("database is back")
    return True


def _answers(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except DBAPIError:
        return False


class TrackedWork:
    """The work function of a DB consumer: one transaction per batch; on failure the batch
    is split so only the failing message retries while the others commit.

    `delivery_limit` is the queue's: the broker dead-letters a message delivered that
    many times without an answer (a handler that kills its process) and no `on_give_up`
    would run. So the last of those deliveries is given up here, unless its effect was
    applied already (then only the ack was lost)."""

    def __init__(self, db: Database, consumer: Consumer, max_attempts: int,
                 delivery_limit: int | None = None,
                 stopping: threading.Event | None = None,
                 peer_wait: PeerWait | None = None) -> None:
        self.db = db
        self.stopping = stopping  # the loop's: a wait for the database ends on it
        self.consumer = consumer
        self.max_attempts = max_attempts
        self.delivery_limit = delivery_limit
        self.peer_wait = peer_wait or PeerWait(db, consumer.name)

    def __call__(self, deliveries: list[Delivery]) -> list[Outcome]:
        refused = self._refusals(deliveries)
        if refused:
            rest = [d for d in deliveries if d.message_id not in refused]
            outcomes = iter(self(rest) if rest else [])
            return [self._failed(d, refused[d.message_id]) if d.message_id in refused
                    else next(outcomes) for d in deliveries]
        while True:
            try:
                self._apply(deliveries)
                self.peer_wait.went_through()
                return [ACK] * len(deliveries)
            except Exception as exc:  # noqa: BLE001
                # an outage (database, a peer: Unavailable) is waited out, never retried
                if not self._wait_for_database(exc) and not self.peer_wait(exc):
                    error = exc
                    break
        if len(deliveries) == 1:
            return [self._failed(deliveries[0], error)]
        log.info("batch of %d failed (%r); isolating", len(deliveries), error)
        return [self([d])[0] for d in deliveries]

    def _refusals(self, deliveries: list[Delivery]) -> dict[str, Permanent]:
        """Deliveries to dead-letter without running the handler, by message id:
        no id (it cannot be deduplicated: every one would look like the first id-less
        one), or the broker's last delivery of a message never applied."""
        refused = {d.message_id: Permanent("message without a message_id")
                   for d in deliveries if not d.message_id}
        if self.delivery_limit is None:
            return refused
        last = {d.message_id: d.broker_deliveries for d in deliveries if d.message_id
                and d.broker_deliveries >= self.delivery_limit}
        if last:
            with self.db.session() as s:
                applied = set(s.scalars(select(ProcessedMessage.message_id).where(
                    ProcessedMessage.consumer == self.consumer.name,
                    ProcessedMessage.message_id.in_(last))))
            refused |= {mid: Permanent(f"delivered {n} times without an answer: the work "
                                       "stops the consumer") for mid, n in last.items()
                        if mid not in applied}
        return refused

    def _wait_for_database(self, exc: Exception) -> bool:
        return wait_for_database(self.db, exc, self.stopping)

    def _apply(self, deliveries: list[Delivery]) -> None:
        with UnitOfWork(self.db) as uow:
            fresh = claim_new(uow, self.consumer.name, deliveries)
            if fresh:
                self.consumer.handle(uow, fresh)
            uow.commit()

    def _failed(self, d: Delivery, exc: Exception) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, Permanent) and d.attempt < self.max_attempts:
            log.warning("message %s failed (attempt %d): %s", d.message_id, d.attempt, error)
            return Outcome("retry", error)
        log.error("message %s dead-lettered after %d attempts: %s", d.message_id, d.attempt,
                  error)
        if self.consumer.on_give_up is not None:
            try:
                with UnitOfWork(self.db) as uow:
                    self.consumer.on_give_up(uow, d, error)
                    uow.commit()
            except Exception:  # noqa: BLE001 - the dead letter is kept either way
                log.exception("on_give_up failed for %s", d.message_id)
        return Outcome("dead", error)
