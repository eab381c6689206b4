"""The rows of each export kind, as one streamed query each (a server-side cursor on
PostgreSQL): memory holds one chunk of rows, whatever the event's size. Column names are
Open Event's where it has the column (its attendee and order CSVs); `Order#` is the
order's identifier, the code its tickets carry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.tables import Ticket
from models.ticketing.tables import Attendee, CheckInScan, DiscountCode, Order, OrderLine

CHUNK = 2000
Cell = str | int | Decimal | None


def _attendees(event_id: int) -> Select:
    return (select(Order.identifier, Order.created_at, Order.status, Order.payment_mode,
                   Ticket.name, Ticket.price, Ticket.type, Attendee.id, Attendee.first_name,
                   Attendee.last_name, Attendee.email, Attendee.is_checked_in,
                   Attendee.is_checked_out)
            .join(Order, Order.id == Attendee.order_id)
            .join(Ticket, Ticket.id == Attendee.ticket_id)
            .where(Attendee.event_id == event_id).order_by(Attendee.id))


def _orders(event_id: int) -> Select:
    units = (select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units"))
             .group_by(OrderLine.order_id).subquery())
    return (select(Order.identifier, Order.created_at, Order.status, Order.payment_mode,
                   Order.amount, units.c.units, DiscountCode.code, User.email)
            .join(units, units.c.order_id == Order.id)
            .join(User, User.id == Order.user_id)
            .outerjoin(DiscountCode, DiscountCode.id == Order.discount_code_id)
            .where(Order.event_id == event_id).order_by(Order.id))


def _check_ins(event_id: int) -> Select:
    return (select(CheckInScan.at, CheckInScan.kind, CheckInScan.device_name, Attendee.id,
                   Attendee.first_name, Attendee.last_name, Ticket.name)
            .join(Attendee, Attendee.id == CheckInScan.attendee_id)
            .join(Ticket, Ticket.id == Attendee.ticket_id)
            .where(Attendee.event_id == event_id).order_by(CheckInScan.id))


# kind -> (header, query, how a result row becomes cells)
KINDS = {
    "attendees": (
        ["Order#", "Order Date", "Status", "Payment Mode", "Ticket Name", "Ticket Price",
         "Ticket Type", "Attendee ID", "First Name", "Last Name", "Email", "Checked In",
         "Checked Out"],
        _attendees, lambda r: [*r[:11], _yes(r[11]), _yes(r[12])]),
    "orders": (
        ["Order#", "Order Date", "Status", "Payment Mode", "Total Amount", "Quantity",
         "Discount Code", "Email"],
        _orders, list),
    "check-ins": (
        ["Time", "Kind", "Device Name", "Attendee ID", "First Name", "Last Name",
         "Ticket Name"],
        _check_ins, list),
}


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _cell(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.isoformat()
    return value  # type: ignore[return-value]


def header_of(kind: str) -> list[str]:
    return KINDS[kind][0]


def rows_of(s: Session, kind: str, event_id: int) -> Iterator[list[Cell]]:
    """The export's rows, oldest first, fetched CHUNK at a time."""
    _, query, cells = KINDS[kind]
    # a server-side cursor: psycopg2 would otherwise buffer the whole result
    result = s.execute(query(event_id), execution_options={"yield_per": CHUNK,
                                                            "stream_results": True})
    for row in result:
        yield [_cell(v) for v in cells(tuple(row))]
