"""The tickets mail consumer killed for real between the SMTP hand-over and its commit:
the relay and `consume mail` run as processes against RabbitMQ, PostgreSQL and an
aiosmtpd server; the server SIGKILLs the consumer as it takes one mail of a batch, before
it answers. A consumer started again mails every order exactly once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models.accounts.users import create_user
from models.catalog import events as catalog
from models.core.outbox import ProcessedMessage
from models.mail.tables import Mail
from models.ticketing.orders.place import AttendeeDetails, place_order
from tests.support.processes import wait_until

pytestmark = pytest.mark.slow
ORDERS = 3
MESSAGE_ID = re.compile(r"<tickets-(\d+)\.\d+@venuebus>")


def _free_orders(db, n: int) -> list[int]:
    """`n` free orders of one verified buyer: each completed as it is placed."""
    owner = create_user(db, "owner@example.com", "password123", verified=True)
    buyer = create_user(db, "buyer@example.com", "password123", verified=True)
    event = catalog.create_event(db, owner, {
        "name": "PyCon Kill", "starts_at": datetime(2027, 3, 1, 8, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 2, 17, tzinfo=UTC), "timezone": "Europe/Berlin"})
    ticket = catalog.create_ticket(db, owner, event.id, {
        "name": "Community", "quantity": 10 * n, "max_order": 10})
    return [place_order(db, buyer, event.id, [
        AttendeeDetails(ticket.id, f"Guest{i}", f"Example{k}", None) for k in range(1 + i % 2)
    ]).order.id for i in range(n)]


def _records(db) -> dict[int, tuple[str, int]]:
    with db.session() as s:
        return {int(ref.split(":")[1]): (status, attempts) for ref, status, attempts in
                s.execute(select(Mail.reference, Mail.status, Mail.attempts)
                          .where(Mail.kind == "tickets"))}


def _order_of(message) -> int:
    return int(MESSAGE_ID.fullmatch(message["Message-ID"]).group(1))


def test_a_consumer_killed_between_the_hand_over_and_its_commit_mails_each_order_once(
        procs, db, smtp):
    url, inbox = smtp
    env = {"SMTP_URL": url}
    # the consumer first (it declares its queue), then the orders, then the relay: the
    # orders reach the consumer together, as one batch if the broker hands them so
    mail = procs.start("consume", "mail", ready="consumer mail running", env=env)
    orders = _free_orders(db, ORDERS)
    killed: list[int] = []

    def kill_on_the_second(message) -> None:
        if len(inbox.messages) == 2:
            mail.kill()  # SIGKILL, and reaped: the mail is taken, no answer came back
            killed.append(_order_of(message))

    inbox.on_message = kill_on_the_second
    procs.start("relay", ready="relay running", env=env)
    wait_until(lambda: killed, timeout=60, what="the server to kill the consumer")
    assert mail.popen.returncode == -9
    [doubt] = killed
    before = _records(db)
    assert before[doubt] == ("sending", 1)  # the intent was committed before the hand-over
    # the mail handed over before it is marked sent already (in the intent transaction of
    # the one killed): only the last hand-over is ever in doubt, batch or not
    assert before[_order_of(inbox.messages[0])] == ("sent", 1)

    procs.start("consume", "mail", ready="consumer mail running", env=env)
    inbox.wait_for(ORDERS, timeout=60)

    def all_tracked() -> bool:
        with db.session() as s:
            return len(s.scalars(select(ProcessedMessage.message_id)
                                 .where(ProcessedMessage.consumer == "mail")).all()) >= ORDERS

    wait_until(all_tracked, timeout=30, what="the redelivered orders to be processed")
    inbox.expect_only(ORDERS, within=2)
    assert sorted(_order_of(m) for m in inbox.messages) == sorted(orders)  # each once
    records = _records(db)
    # the one in doubt stays so, never resent; the others say sent, attempted once
    assert records == {o: ("sending", 1) if o == doubt else ("sent", 1) for o in orders}
