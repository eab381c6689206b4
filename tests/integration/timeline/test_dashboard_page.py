"""/events/<id>/dashboard without a browser: the owner and staff see it, with the
counts, money and charts of what the stats consumer applied; a stranger is refused and
a signed-out browser is sent to sign in."""

from __future__ import annotations

import re
from decimal import Decimal

from consumers.stats import CONSUMER
from models.accounts.users import create_user
from models.catalog import events as catalog
from models.core.base import utcnow
from models.ticketing.checkin.scan import check_in_attendee
from models.ticketing.invitations import invite_staff
from models.ticketing.orders.place import place_onsite_order
from tests.support.accounts import accept_staff_invitation
from tests.support.deliveries import handle, routed_to
from tests.support.pages import csrf_token

PASSWORD = "password123"


def sign_in(client, email: str) -> None:
    client.post("/signin", data={"email": email, "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})


def busy_event(db):
    owner = create_user(db, "owner@example.com", PASSWORD, verified=True)
    now = utcnow()
    event = catalog.create_event(db, owner, {"name": "PyCon", "starts_at": now,
                                             "ends_at": now})
    ticket = catalog.create_ticket(db, owner, event.id, {
        "name": "Standard", "quantity": 40, "price": Decimal("15"), "type": "paid",
        "max_order": 10})
    placed = place_onsite_order(db, owner, event.id, [(ticket.id, 3)])
    for attendee in placed.attendees[:2]:
        check_in_attendee(db, owner.id, attendee.id, device_name="Gate <A>")
    handle(db, CONSUMER.handle, routed_to(db, "stats"), consumer="stats")
    return owner, event


def test_the_owner_and_staff_see_counts_money_and_charts(app, db):
    owner, event = busy_event(db)
    staff = create_user(db, "staff@example.com", PASSWORD, verified=True)
    invitation = invite_staff(db, owner, event.id, "staff@example.com")
    accept_staff_invitation(db, staff, invitation)
    for email in ("owner@example.com", "staff@example.com"):
        client = app.test_client()  # a browser of their own
        sign_in(client, email)
        r = client.get(f"/events/{event.id}/dashboard")
        assert r.status_code == 200, email
        html = r.get_data(as_text=True)
        assert re.search(r'data-count="sold">3<', html)
        assert re.search(r'data-count="checked-in">2<', html)
        assert re.search(r'data-money="revenue">45.00<', html)
        assert '<b>3</b> / 40' in html
        assert 'aria-label="Check-ins per 5 minutes, and people inside" data-total="2" ' \
               'data-level="2"' in html
        assert "Gate &lt;A&gt;" in html  # a device name is text, never markup
        assert client.get(f"/events/{event.id}/dashboard/panels").status_code == 200


def test_a_stranger_is_refused_and_a_signed_out_browser_signs_in_first(client, db, config):
    _, event = busy_event(db)
    for path in (f"/events/{event.id}/dashboard", f"/events/{event.id}/dashboard/panels"):
        r = client.get(path)
        assert r.status_code == 302 and "/signin?next=" in r.headers["Location"]
    create_user(db, "x@example.com", PASSWORD, verified=True)
    sign_in(client, "x@example.com")
    for path in (f"/events/{event.id}/dashboard", f"/events/{event.id}/dashboard/panels"):
        r = client.get(path)
        assert r.status_code == 403
        assert "PyCon" not in r.get_data(as_text=True)
    assert client.get("/events/99999/dashboard").status_code == 404
