"""The tickets reach the buyer once, through the one mail module, against a real SMTP
server: held until the address is verified, never twice on redelivery or after a
consumer died between the hand-over and its commit, again (once) on request, and one
mail when the order is cancelled."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bus.consume import Delivery, Permanent
from consumers.mail import MailSender, send_mail
from models.core.db import Database
from tests.support.accounts import verify_address
from tests.support.api import assert_error, auth, sign_up
from tests.support.deliveries import handle, recorded
from tests.support.pdfs import has_qr_tools, qr_codes
from tests.support.smtp import DiesAfterHandOver
from tests.support.ticketing import buy, make_ticket, person


@pytest.fixture
def consumer_db(db, base_config, smtp):
    database = Database(base_config.with_(smtp_url=smtp[0]))
    yield database
    database.dispose()


def _mails(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT kind, reference, status, attempts FROM mails"
                                    " WHERE kind IN ('tickets', 'order-cancelled')"
                                    " ORDER BY id")).all()


def _tickets_mail(client, sale) -> dict | None:
    r = client.get(f"/v1/orders/{sale.identifier}", headers=auth(sale.buyer))
    return r.get_json()["data"]["attributes"]["tickets-mail"]


def _attachments(mail) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in mail.iter_attachments()}


def test_tickets_wait_for_the_verified_address_then_go_once(
        client, db, consumer_db, smtp, sale, tmp_path):
    sale.set_status(client, "completed")
    [completed] = recorded(db, "order.completed")
    handle(consumer_db, send_mail, [completed])
    assert smtp[1].messages == []
    assert _mails(db) == [("tickets", f"tickets:{sale.order_id}", "held", 0)]
    assert _tickets_mail(client, sale) == {"status": "held", "sent-at": None, "error": None}

    verify_address(client, "buyer@example.com")
    handle(consumer_db, send_mail, recorded(db, "user.email_verified"))
    handle(consumer_db, send_mail, [completed], consumer=None)  # a redelivery, untracked
    [mail] = smtp[1].messages
    assert mail["To"] == "buyer@example.com" and "PyCon Europe" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert f"/tickets/{sale.identifier}.pdf" in body
    files = _attachments(mail)
    assert set(files) == {f"tickets-{sale.identifier}.pdf", "event.ics"}
    assert "DTSTART:20270301T080000Z" in files["event.ics"]  # text/calendar: text
    if has_qr_tools():
        path = tmp_path / "mailed.pdf"
        path.write_bytes(files[f"tickets-{sale.identifier}.pdf"])
        assert qr_codes(path, tmp_path, 1) == [f"{sale.identifier}-{sale.attendee_ids[0]}"]
    assert _mails(db) == [("tickets", f"tickets:{sale.order_id}", "sent", 1)]
    state = _tickets_mail(client, sale)
    assert state["status"] == "sent" and state["sent-at"] and state["error"] is None


def test_a_consumer_killed_after_the_hand_over_does_not_mail_twice(
        client, db, consumer_db, smtp, sale):
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    [completed] = recorded(db, "order.completed")
    with pytest.raises(SystemExit):
        handle(consumer_db, MailSender(lambda c: DiesAfterHandOver(smtp[0])).handle,
               [completed])
    handle(consumer_db, send_mail, [completed])  # the broker redelivers
    assert len(smtp[1].messages) == 1
    assert _mails(db) == [("tickets", f"tickets:{sale.order_id}", "sending", 1)]


def test_a_connection_lost_before_the_servers_answer_never_mails_twice(
        client, db, consumer_db, smtp, sale):
    """The server takes the message, then the connection drops before its answer: the
    mail may have gone out, so it is not taken as refused and retried (the stdlib client
    raised, and the retry mailed it again). It stays `sending` with the error, the
    delivery is done, and a redelivery sends nothing."""
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    [completed] = recorded(db, "order.completed")
    smtp[1].drop = 1
    handle(consumer_db, send_mail, [completed])  # no raise: nothing for the runtime to retry
    handle(consumer_db, send_mail, [completed], consumer=None)  # a redelivery, untracked
    assert len(smtp[1].messages) == 1
    assert _mails(db) == [("tickets", f"tickets:{sale.order_id}", "sending", 1)]
    state = _tickets_mail(client, sale)
    assert state["status"] == "sending" and state["error"].startswith("in doubt:")
    # the connection is opened again for the next mail, which goes out and is recorded
    r = client.post(f"/v1/orders/{sale.identifier}/resend-tickets", headers=auth(sale.buyer))
    assert r.status_code == 202
    handle(consumer_db, send_mail, recorded(db, "order.tickets_requested"))
    assert len(smtp[1].messages) == 2
    assert [m[2] for m in _mails(db)] == ["sending", "sent"]


def test_a_free_order_is_mailed_as_it_is_placed_and_an_unpaid_one_is_not(
        client, db, consumer_db, smtp, sale):
    verify_address(client, "buyer@example.com")
    free = make_ticket(client, sale.owner, sale.event_id, 5, name="Community")
    r = buy(client, sale.buyer, sale.event_id, [person(free, "Ada", "Lovelace")])
    assert r.status_code == 201 and r.get_json()["data"]["attributes"]["status"] == "completed"
    free_id = r.get_json()["data"]["id"]
    handle(consumer_db, send_mail, recorded(db, "order.placed"))  # the paid one is pending
    [mail] = smtp[1].messages
    assert mail["Subject"] == "Your tickets: PyCon Europe"
    assert _mails(db) == [("tickets", f"tickets:{free_id}", "sent", 1)]


def test_a_resend_mails_once_more_and_only_for_those_who_may(
        client, db, consumer_db, smtp, sale):
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    handle(consumer_db, send_mail, recorded(db, "order.completed"))
    url = f"/v1/orders/{sale.identifier}/resend-tickets"
    stranger = sign_up(client, "stranger@example.com")
    assert_error(client.post(url, headers=auth(stranger)), 404, "not_found")
    assert_error(client.post(f"/v1/orders/{sale.order_id}/resend-tickets",
                             headers=auth(stranger)), 404)
    assert recorded(db, "order.tickets_requested") == []

    r = client.post(url, headers=auth(sale.buyer))
    assert r.status_code == 202, r.get_json()
    assert_error(client.post(url, headers=auth(sale.owner)), 429, "tickets_resend_throttled")
    [requested] = recorded(db, "order.tickets_requested")
    handle(consumer_db, send_mail, [requested])
    handle(consumer_db, send_mail, [requested], consumer=None)  # redelivered
    assert len(smtp[1].messages) == 2
    request = requested.data["request_id"]
    assert _mails(db) == [("tickets", f"tickets:{sale.order_id}", "sent", 1),
                          ("tickets", f"tickets:{sale.order_id}:{request}", "sent", 1)]


def test_a_cancelled_order_has_no_resend_and_its_buyer_gets_one_mail_saying_so(
        client, db, consumer_db, smtp, sale):
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    sale.set_status(client, "cancelled")
    assert_error(client.post(f"/v1/orders/{sale.identifier}/resend-tickets",
                             headers=auth(sale.buyer)), 409, "order_not_completed")
    # the completion's mail comes after the cancel: nothing to mail any more
    handle(consumer_db, send_mail, recorded(db, "order.completed"))
    [cancelled] = recorded(db, "order.cancelled")
    handle(consumer_db, send_mail, [cancelled])
    handle(consumer_db, send_mail, [cancelled], consumer=None)
    [mail] = smtp[1].messages
    assert mail["Subject"] == "Order cancelled: PyCon Europe"
    assert sale.identifier in mail.get_body(("plain",)).get_content()
    assert _mails(db) == [("order-cancelled", f"order-cancelled:{sale.order_id}", "sent", 1)]


def test_the_order_shows_a_failed_tickets_mail_with_its_error(client, db, consumer_db,
                                                             smtp, sale):
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    smtp[1].refuse = 1
    with pytest.raises(Exception, match="451"):
        handle(consumer_db, send_mail, recorded(db, "order.completed"))
    state = _tickets_mail(client, sale)
    assert state["status"] == "failed" and "451" in state["error"]


def test_a_batch_records_each_hand_over_even_when_a_later_mail_is_refused(
        client, db, consumer_db, smtp, sale):
    """One batch, three orders; the server refuses the second mail. The first is recorded
    sent although the batch raised (its `sent` waits for the next intent, or the batch's
    end), the second failed; the batch again (the runtime's retry) mails the second and
    third once, and never the first again."""
    verify_address(client, "buyer@example.com")
    free = make_ticket(client, sale.owner, sale.event_id, 10, name="Community")
    ids = []
    for name in ("Ada", "Grace", "Edsger"):
        r = buy(client, sale.buyer, sale.event_id, [person(free, name, "Example")])
        assert r.status_code == 201, r.get_json()
        ids.append(int(r.get_json()["data"]["id"]))
    inbox = smtp[1]

    def refuse_the_next(message) -> None:
        if len(inbox.messages) == 1:
            inbox.refuse = 1

    inbox.on_message = refuse_the_next
    placed = recorded(db, "order.placed")
    with pytest.raises(Exception, match="451"):
        handle(consumer_db, send_mail, placed)
    first, second, third = (f"tickets:{i}" for i in ids)
    assert _mails(db) == [("tickets", first, "sent", 1), ("tickets", second, "failed", 1)]
    handle(consumer_db, send_mail, placed)
    assert len(inbox.messages) == 3
    assert _mails(db) == [("tickets", first, "sent", 1), ("tickets", second, "sent", 2),
                          ("tickets", third, "sent", 1)]


def test_a_batch_that_fails_after_a_hand_over_still_records_it_sent(
        client, db, consumer_db, smtp, sale):
    """A batch whose next delivery fails before its intent (here: a message of no known
    type) records the mail handed over just before as sent, not in doubt."""
    verify_address(client, "buyer@example.com")
    free = make_ticket(client, sale.owner, sale.event_id, 10, name="Community")
    for name in ("Ada", "Grace"):
        assert buy(client, sale.buyer, sale.event_id,
                   [person(free, name, "Example")]).status_code == 201
    first, second = [d for d in recorded(db, "order.placed")
                     if d.data.get("status") == "completed"]
    bad = Delivery(message_id="not-a-known-type", routing_key="order.placed",
                   type="com.example.unknown", data={}, envelope={}, headers={},
                   attempt=1, redelivered=False)
    with pytest.raises(Permanent):
        handle(consumer_db, send_mail, [first, bad, second])
    assert _mails(db) == [("tickets", f"tickets:{first.data['order_id']}", "sent", 1)]
    handle(consumer_db, send_mail, [first, second])  # the runtime isolates the bad one
    assert len(smtp[1].messages) == 2
    assert [m[2:] for m in _mails(db)] == [("sent", 1), ("sent", 1)]


def test_a_batch_mails_each_order_in_a_few_statements(client, db, consumer_db, smtp, sale):
    """The intent is one INSERT, the previous `sent` one UPDATE, the order read without
    reading it twice and the event once a batch: at most 8 statements a mail (13 before;
    a regression shows here before it shows in `python -m bench tickets`)."""
    verify_address(client, "buyer@example.com")
    free = make_ticket(client, sale.owner, sale.event_id, 20, name="Community")
    for k in range(6):
        r = buy(client, sale.buyer, sale.event_id,
                [person(free, f"Guest{k}", "Example"), person(free, f"Other{k}", "Example")])
        assert r.status_code == 201, r.get_json()
    placed = recorded(db, "order.placed")
    statements = []
    sa.event.listen(consumer_db.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    handle(consumer_db, send_mail, placed)
    assert len(smtp[1].messages) == 6
    assert len(statements) <= 8 * 6 + 2, "\n".join(s.split("\n")[0] for s in statements)


REFUSE_CLAIM = """
CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.reference = '{reference}' THEN RAISE EXCEPTION 'claim refused'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_claim BEFORE INSERT ON mails FOR EACH ROW EXECUTE FUNCTION refuse_claim();
"""


def test_a_claim_that_fails_leaves_the_previous_hand_over_to_be_recorded_sent(
        client, db, consumer_db, smtp, sale):
    """The database refuses the second mail's intent (the transaction that would also
    mark the first sent): the first is still recorded sent, by the batch's end, not left
    in doubt for good."""
    verify_address(client, "buyer@example.com")
    free = make_ticket(client, sale.owner, sale.event_id, 10, name="Community")
    for name in ("Ada", "Grace"):
        assert buy(client, sale.buyer, sale.event_id,
                   [person(free, name, "Example")]).status_code == 201
    first, second = [d for d in recorded(db, "order.placed")
                     if d.data.get("status") == "completed"]
    with db.engine.begin() as conn:
        conn.exec_driver_sql(REFUSE_CLAIM.format(
            reference=f"tickets:{second.data['order_id']}"))
    try:
        with pytest.raises(sa.exc.DBAPIError, match="claim refused"):
            handle(consumer_db, send_mail, [first, second])
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER refuse_claim ON mails; "
                                 "DROP FUNCTION refuse_claim()")
    assert len(smtp[1].messages) == 1
    assert _mails(db) == [("tickets", f"tickets:{first.data['order_id']}", "sent", 1)]
