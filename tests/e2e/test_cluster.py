"""The whole spine on a 3-node RabbitMQ cluster: the node leading the busiest queue is
killed with SIGKILL while feedback, orders and check-ins flow, later restarted. Every
client moves to a survivor from the node list in AMQP_URL; afterwards every event has
had its effect exactly once and the killed node is back in the cluster."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from contracts.topology import QUEUES, matches, node_urls, queue_name
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.core.outbox import OutboxMessage, ProcessedMessage
from models.ticketing.checkin import scan as checkin
from models.ticketing.orders.place import place_onsite_order
from models.ticketing.stats.service import get_event_stats
from tests.support.processes import processes, wait_until
from tests.support.rabbit_nodes import queue_leaders
from tests.support.ratings import RatingWorkload, aggregates, truth

pytestmark = pytest.mark.slow
CONSUMERS = ("ratings", "stats")


class DoorWorkload:
    """One on-site order of one unit per step, its attendee checked in at one of two
    doors; keeps the counts the stats consumer must end up with."""

    def __init__(self, db) -> None:
        self.db = db
        self.owner = create_user(db, "door@example.com", "password123")
        now = datetime.now(UTC)
        self.event_id = catalog.create_event(db, self.owner, {
            "name": "Cluster", "starts_at": now, "ends_at": now}).id
        self.ticket_id = catalog.create_ticket(db, self.owner, self.event_id, {
            "name": "Std", "quantity": 100_000}).id
        self.sold = self.checked_in = 0

    def step(self) -> None:
        placed = place_onsite_order(self.db, self.owner, self.event_id, [(self.ticket_id, 1)])
        self.sold += 1
        checkin.check_in_attendee(self.db, self.owner.id, placed.attendees[0].id,
                                  device_name=f"door-{self.sold % 2}")
        self.checked_in += 1

    def settled(self) -> bool:
        view = get_event_stats(self.db, self.owner, self.event_id)
        return (view.sold, view.checked_in, view.inside) == (
            self.sold, self.checked_in, self.checked_in)


def tracked(db) -> dict[str, tuple[int, int]]:
    """Consumer -> (events routed to its queue, events it applied)."""
    with db.session() as s:
        keys = list(s.scalars(select(OutboxMessage.routing_key)))
        applied = dict(s.execute(select(ProcessedMessage.consumer, func.count())
                                 .group_by(ProcessedMessage.consumer)).all())
    return {c: (sum(any(matches(p, k) for p in QUEUES[c]) for k in keys), applied.get(c, 0))
            for c in CONSUMERS}


def applied_total(db) -> int:
    return sum(done for _, done in tracked(db).values())


def applied_after(db, outbox_id: int) -> bool:
    """Whether an event committed after outbox row `outbox_id` has been applied."""
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ProcessedMessage).join(
            OutboxMessage, OutboxMessage.message_id == ProcessedMessage.message_id)
            .where(OutboxMessage.id > outbox_id)) > 0


def last_outbox_id(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.max(OutboxMessage.id))) or 0


def test_killing_the_leader_of_the_busiest_queue_loses_nothing_and_doubles_nothing(
        db, rabbit_cluster, cluster_env, tmp_path):
    assert len(node_urls(cluster_env["AMQP_URL"])) == 3
    vhost = unquote(cluster_env["AMQP_URL"].split(",")[0].rsplit("/", 1)[1])
    ratings, door = RatingWorkload(db), DoorWorkload(db)
    stop, errors = threading.Event(), []

    def produce() -> None:
        try:
            while not stop.is_set():
                ratings.step()
                ratings.step()
                door.step()
                time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    with processes(cluster_env, tmp_path) as procs:
        # the relay declares first, through node 1, so node 1 leads the queues; each
        # consumer lists the nodes from another one, as clients spread over a cluster
        # would: killing the leader cuts the relay, while the consumers stay connected
        # and see their queue's leader move
        nodes = node_urls(cluster_env["AMQP_URL"])
        clients = [procs.start("relay", ready="relay running")] + [
            procs.start("consume", name, ready=f"consuming {queue_name(name)}",
                        env={"AMQP_URL": ",".join(nodes[i:] + nodes[:i])})
            for i, name in enumerate(CONSUMERS, start=1)]
        producer = threading.Thread(target=produce)
        producer.start()
        try:
            wait_until(lambda: applied_total(db) >= 60, timeout=60, what="the flow to start")
            survivor_view = rabbit_cluster[1]
            members = survivor_view.ctl("list_queues", "-p", vhost, "name", "members")
            assert all(n.name in members for n in rabbit_cluster), members  # replicated

            busiest = max(CONSUMERS, key=lambda c: tracked(db)[c][1])
            leader = queue_leaders(survivor_view, vhost)[queue_name(busiest)]
            victim = next(n for n in rabbit_cluster if n.name == leader)
            survivors = [n for n in rabbit_cluster if n is not victim]
            mark = last_outbox_id(db)
            victim.kill()
            killed_at = time.monotonic()
            wait_until(lambda: applied_after(db, mark), timeout=60, interval=0.05,
                       what="an event committed after the kill to be applied")
            print(f"\nkilled {victim.name} (leader of {queue_name(busiest)}): first event "
                  f"applied through the survivors {time.monotonic() - killed_at:.2f} s later")
            moved = applied_total(db)
            wait_until(lambda: applied_total(db) >= moved + 60, timeout=60,
                       what="the flow to go on without the killed node")

            victim.start()
            victim.wait_ready()
            wait_until(lambda: len(survivors[0].running_cluster_nodes()) == 3, timeout=60,
                       interval=1, what=f"{victim.name} to rejoin the cluster")
            rejoined = applied_total(db)
            wait_until(lambda: applied_total(db) >= rejoined + 30, timeout=60,
                       what="the flow to go on after the rejoin")
        finally:
            stop.set()
            producer.join(30)
        assert not errors, errors

        def all_applied() -> bool:
            return all(expected == done for expected, done in tracked(db).values())

        wait_until(all_applied, timeout=60, what=lambda: f"every event applied: {tracked(db)}")
        assert all(p.popen.poll() is None for p in clients), "a client gave up"
    with db.session() as s:
        unpublished = s.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.published_at.is_(None)))
    assert unpublished == 0  # none quarantined: a nack during the failover was sent again
    assert aggregates(db) == truth(db)  # 0 lost, 0 doubled: the averages are exact
    assert door.settled(), get_event_stats(db, door.owner, door.event_id)
    assert all(expected == done for expected, done in tracked(db).values())
