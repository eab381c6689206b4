"""An order being placed, before and while it is written: plain objects shaped like its
rows, read like the ORM's `Order`, `OrderLine` and `Attendee` by whatever renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(slots=True)
class NewOrder:
    """An order being placed, as its row will hold it: the rows of a new order are written
    by Core statements (models/ticketing/orders/write.py), so its objects need none of the
    ORM's instrumentation, whose three instances cost a tenth of an order's CPU. Read like
    an `Order` by whatever renders a placed order."""

    event_id: int
    user_id: int
    payment_mode: str
    discount_code_id: int | None
    created_at: datetime
    identifier: str
    currency: str
    discount_uses: int = 0
    id: int | None = None  # set by the write
    status: str = "completed"
    amount: Decimal = Decimal("0")
    discount_amount: Decimal = Decimal("0")
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    completed_by_id: int | None = None


@dataclass(slots=True)
class NewLine:
    """A line of a `NewOrder`, read like an `OrderLine`."""

    ticket_id: int
    quantity: int
    unit_price: Decimal
    discount: Decimal


@dataclass(slots=True)
class NewAttendee:
    """An attendee of a `NewOrder` (its id, order and unit set by the write), read like an
    `Attendee`."""

    event_id: int
    ticket_id: int
    first_name: str
    last_name: str
    email: str | None
    checkin_secret: str
    created_at: datetime
    id: int | None = None
    order_id: int | None = None
    unit: int | None = None
    is_checked_in: bool = False
    is_checked_out: bool = False
    is_cancelled: bool = False
    scan_count: int = 0
