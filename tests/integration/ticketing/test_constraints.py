"""The database holds every invariant even when a write skips the service layer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models.ticketing.orders.place import place_onsite_order


def raw(db, sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


@pytest.mark.parametrize(("sql", "constraint"), [
    ("UPDATE tickets SET sold_count = quantity + 1", "ck_tickets_sold_within_capacity"),
    ("UPDATE attendees SET unit = 1 WHERE unit = 2", "uq_attendees_ticket_id_unit"),
    ("UPDATE attendees SET unit = 0", "ck_attendees_unit_positive"),
    ("UPDATE attendees SET unit = NULL", "ck_attendees_active_has_unit"),
    ("UPDATE orders SET status = 'lost'", "ck_orders_status_known"),
    ("UPDATE order_lines SET quantity = 0", "ck_order_lines_quantity_positive"),
    ("INSERT INTO check_in_scans (attendee_id, kind, at, nonce, created_at) "
     "SELECT id, 'entry', now(), 'n', now() FROM attendees, generate_series(1, 2) "
     "WHERE unit = 1", "uq_check_in_scans_attendee_id_nonce"),
    ("INSERT INTO check_in_scans (attendee_id, kind, at, nonce, created_at) "
     "SELECT id, 'teleport', now(), 'm' || id, now() FROM attendees",
     "ck_check_in_scans_kind_known"),
])
def test_database_refuses_what_the_services_never_write(db, shop, sql, constraint):
    place_onsite_order(db, shop.owner, shop.event.id, [(shop.ticket.id, 2)])
    with pytest.raises(IntegrityError) as err:
        raw(db, sql)
    assert err.value.orig.diag.constraint_name == constraint


def test_discount_uses_cannot_pass_the_limit(db, shop):
    raw(db, "INSERT INTO discount_codes (event_id, code, used_for, type, value, "
            "tickets_number, used_count, is_active, created_at) VALUES "
            "(:e, 'C', 'event', 'amount', 1, 2, 2, true, now())", e=shop.event.id)
    with pytest.raises(IntegrityError) as err:
        raw(db, "UPDATE discount_codes SET used_count = 3")
    assert err.value.orig.diag.constraint_name == "ck_discount_codes_uses_within_limit"
