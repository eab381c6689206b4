"""An order's tickets as its buyer downloads them: a page per attendee whose QR code the
door accepts, the event's local time and venue, served to the buyer and the organizers
only, and only for a completed order."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models.accounts.tables import User
from models.ticketing.checkin import desk as door
from tests.support.api import assert_error, auth, doc, sign_up
from tests.support.pdfs import has_qr_tools, qr_codes

pytestmark = pytest.mark.skipif(not has_qr_tools(), reason="pdftoppm and zbarimg needed")


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_every_qr_code_decodes_and_the_desk_and_the_api_accept_it(client, db, sale, tmp_path):
    sale.set_status(client, "completed")
    r = sale.tickets(client)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    path = tmp_path / "tickets.pdf"
    path.write_bytes(r.data)
    codes = [qr_codes(path, tmp_path, page) for page in range(1, len(sale.attendee_ids) + 1)]
    assert codes == [[f"{sale.identifier}-{a}"] for a in sale.attendee_ids]
    with db.session() as s:
        owner = s.scalar(select(User).where(User.email == "owner@example.com"))
    half = len(codes) // 2
    for i, [code] in enumerate(codes[:half]):
        scan = door.scan_at_door(db, owner, int(sale.event_id), code, kind="entry",
                                 device_name="Desk 1", nonce=f"ticket-nonce-{i}")
        assert (scan.outcome, scan.card.attendee_id) == ("ok", sale.attendee_ids[i])
    for i, [code] in enumerate(codes[half:], start=half):
        r = client.post("/v1/check-in", headers=auth(sale.owner),
                        json={"secret": code, "device-name": "gate-2"})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["data"]["id"] == str(sale.attendee_ids[i])


def test_a_ticket_shows_the_event_in_its_own_time_and_place(client, sale):
    sale.set_status(client, "completed")
    pages = _pages(sale.tickets(client).data)
    assert len(pages) == 4
    for text in pages:
        # 08:00 UTC on 1 March is 09:00 in Berlin (CET); the end is a day later
        assert "Mon 1 Mar 2027, 09:00 – Tue 2 Mar 2027, 18:00 (Europe/Berlin)" in text
        assert "Berlin Congress Center" in text and "PyCon Europe" in text
        assert "Full conference · 25.00 EUR" in text and sale.identifier in text


def test_the_buyer_and_the_organizers_get_the_tickets_and_nobody_else(client, sale):
    sale.set_status(client, "completed")
    assert sale.tickets(client, sale.buyer).status_code == 200
    assert sale.tickets(client, sale.owner).status_code == 200
    stranger = sign_up(client, "stranger@example.com")
    assert_error(sale.tickets(client, stranger), 404, "not_found")
    assert client.get(f"/v1/orders/{sale.identifier}/tickets.pdf").status_code == 401
    # the plain order id is no way around the identifier's secrecy for a stranger either
    assert_error(sale.tickets(client, stranger, identifier=sale.order_id), 404)
    assert_error(sale.tickets(client, identifier="A" * 22), 404)


@pytest.mark.parametrize("status", ["pending", "cancelled"])
def test_an_order_that_is_not_completed_has_no_tickets(client, sale, status):
    if status != "pending":
        sale.set_status(client, status)
    assert_error(sale.tickets(client), 409, "order_not_completed")


def test_a_cancelled_orders_printed_codes_stop_working_at_the_door(client, sale, tmp_path):
    sale.set_status(client, "completed")
    path = tmp_path / "tickets.pdf"
    path.write_bytes(sale.tickets(client).data)
    [code] = qr_codes(path, tmp_path, 1)
    sale.set_status(client, "cancelled")
    r = client.post("/v1/check-in", headers=auth(sale.owner), json={"secret": code})
    assert_error(r, 409, "attendee_cancelled")
    assert_error(sale.tickets(client), 409, "order_not_completed")


def test_the_pdf_is_kept_by_content_and_a_renamed_attendee_gets_a_new_one(client, sale):
    sale.set_status(client, "completed")
    first = sale.tickets(client)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-store"  # a key to the door
    again = sale.tickets(client, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    r = client.patch(f"/v1/attendees/{sale.attendee_ids[0]}", headers=auth(sale.owner),
                     json=doc("attendee", {"first-name": "Alexandros"},
                              id_=sale.attendee_ids[0]))
    assert r.status_code == 200, r.get_json()
    renamed = sale.tickets(client, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert "Alexandros Παπαδόπουλος" in _pages(renamed.data)[0]
