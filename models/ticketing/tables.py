"""Ticketing tables: orders, their lines and attendees, check-in scans, discount codes,
event staff, their invitations and idempotency keys. Every invariant is a named constraint."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, BigId, UTCDateTime, utcnow

DISCOUNT_USES = ("ticket", "event")
ORDER_STATUSES = ("pending", "placed", "completed", "cancelled", "expired")
PAYMENT_MODES = ("free", "onsite", "online", "bank", "cheque")
DISCOUNT_TYPES = ("amount", "percent")
# completed: it paid the order; already_completed: the same payment told again (Stripe
# reports one checkout as two events); the rest need a refund: needs_refund (the order
# expired or was cancelled), paid_twice (another payment or the organiser completed it),
# underpaid (less than the order's amount: the order stays unpaid), mismatch (another
# amount or currency than the order's, or none said: it stays unpaid too)
PAYMENT_OUTCOMES = ("completed", "already_completed", "needs_refund", "paid_twice",
                    "underpaid", "mismatch")


class Order(Base):
    """An order moves pending (holds its units until `expires_at`) or placed (an offline
    payment promised) to completed, or to cancelled / expired (units given back)."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'placed', 'completed', 'cancelled', 'expired')",
                        name="status_known"),
        CheckConstraint("payment_mode IN ('free', 'onsite', 'online', 'bank', 'cheque')",
                        name="payment_mode_known"),
        CheckConstraint("status <> 'pending' OR expires_at IS NOT NULL",
                        name="pending_expires"),
        # the expiry loop's claim: due pending orders, soonest first
        Index("ix_orders_pending_expires_at", "expires_at",
              postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        CheckConstraint("amount >= 0 AND discount_amount >= 0", name="amounts_not_negative"),
        CheckConstraint("discount_uses >= 0", name="discount_uses_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # random, made at placement (models/ticketing/codes.py): what links and door codes
    # carry, never the sequential id
    identifier: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    payment_mode: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    discount_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    # the code's uses this order took (a free ticket counts): what a cancel gives back
    discount_uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    discount_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_codes.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(String(3))  # the event's, when it was placed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the last request to mail its tickets again (a resend is throttled per order)
    tickets_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # who marked it paid; NULL when a payment provider's webhook completed it
    completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class PendingHold(Base):
    """The units one buyer holds in pending orders of one event, kept with the orders
    (models/ticketing/orders/holds.py). `cap` is the limit when units were last added:
    the CHECK refuses the write that would pass it, so concurrent orders, which each
    update this row in turn, can never hold more together."""

    __tablename__ = "pending_holds"
    __table_args__ = (
        CheckConstraint("units >= 0", name="units_not_negative"),
        CheckConstraint("units <= cap", name="within_cap"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    units: Mapped[int] = mapped_column(Integer)
    cap: Mapped[int] = mapped_column(Integer)


class Payment(Base):
    """One payment provider event, recorded once (a replay finds its row) in the same
    transaction as its effect on the order. `reference` names the money movement (Stripe's
    payment intent), which several provider events can report. `needs_refund`: money came
    that completes nothing: the order had expired or was cancelled (its units were given
    back), was already paid by another payment, or the amount falls short."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_event_id"),
        CheckConstraint(f"outcome IN ({', '.join(repr(o) for o in PAYMENT_OUTCOMES)})",
                        name="outcome_known"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"),
                                          index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(32))
    needs_refund: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=text("false"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderLine(Base):
    """How many units of one ticket an order holds (what `sold_count` counts)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "ticket_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price >= 0 AND discount >= 0", name="prices_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"),
                                           index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))


class Attendee(Base):
    """A ticket holder. `unit` is the seat of the ticket it holds (1..quantity, unique per
    ticket): the intent of Open Event's UNIQUE(ticket_id, event_id) without its flaw. A
    cancelled attendee gives its unit back (NULL)."""

    __tablename__ = "attendees"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit"),
        CheckConstraint("unit IS NULL OR unit >= 1", name="unit_positive"),
        CheckConstraint("is_cancelled OR unit IS NOT NULL", name="active_has_unit"),
        CheckConstraint("scan_count >= 0", name="scan_count_not_negative"),
        Index("ix_attendees_event_id_sync_seq", "event_id", "sync_seq"),
        Index("ix_attendees_event_id_sync_xid", "event_id", "sync_xid", "sync_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"),
                                          index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"))
    unit: Mapped[int | None] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    checkin_secret: Mapped[str] = mapped_column(String(64), unique=True)
    is_checked_in: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=text("false"))
    is_checked_out: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=text("false"))
    # bumped by every scan: the door's check that the scans it read with the lock are all
    scan_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set by the database (migration 1500) on every change a door desk keeps: the sync's
    # cursor (models/ticketing/checkin/sync.py)
    sync_seq: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())
    # PostgreSQL: the transaction that set sync_seq (migration 1520); SQLite: 0
    sync_xid: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())


class CheckInScan(Base):
    """One scan at the door, never changed or deleted. The attendee's CSV attributes
    (`checkin-times`, `device-name-checkin`, `checkout-times`) are derived from these."""

    __tablename__ = "check_in_scans"
    __table_args__ = (
        UniqueConstraint("attendee_id", "nonce"),
        CheckConstraint("kind IN ('entry', 'exit')", name="kind_known"),
        Index("ix_check_in_scans_attendee_id_at", "attendee_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_name: Mapped[str | None] = mapped_column(String(255))
    nonce: Mapped[str] = mapped_column(String(128))
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """`Idempotency-Key` of an order POST: the first order answers every retry for 24 h."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    # retention deletes expired keys by created_at, in batches (models/core/retention.py)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class EventStaff(Base):
    """Users the event's owner named to check attendees in."""

    __tablename__ = "event_staff"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


INVITATION_STATUSES = ("pending", "accepted", "declined")


class StaffInvitation(Base):
    """An address the event's owner invited to be staff. Its holder becomes staff by
    accepting it; until then the invitation says nothing about whether an account with
    that address exists."""

    __tablename__ = "staff_invitations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        CheckConstraint("status IN ('pending', 'accepted', 'declined')",
                        name="invitation_status_known"),
        CheckConstraint("(status = 'pending') = (responded_at IS NULL)",
                        name="responded_unless_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255), index=True)  # normalised, lower case
    status: Mapped[str] = mapped_column(String(8), default="pending",
                                        server_default="pending")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the nonce of the one link that accepts it (mailed to the address; signed); a new
    # one on each (re)invitation, none once answered: a link works once
    link_nonce: Mapped[str | None] = mapped_column(String(32))


class DiscountCode(Base):
    __tablename__ = "discount_codes"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("used_for IN ('ticket', 'event')", name="used_for_known"),
        CheckConstraint("type IN ('amount', 'percent')", name="type_known"),
        CheckConstraint("value >= 0 AND (type <> 'percent' OR value <= 100)", name="value_range"),
        CheckConstraint("used_count >= 0 AND (tickets_number IS NULL OR "
                        "used_count <= tickets_number)", name="uses_within_limit"),
        CheckConstraint("valid_till IS NULL OR valid_from IS NULL OR valid_till >= valid_from",
                        name="validity_window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(100))
    used_for: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(8))
    value: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_till: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tickets_number: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscountCodeTicket(Base):
    """A ticket a ticket-level code discounts (many tickets per code)."""

    __tablename__ = "discount_code_tickets"

    discount_code_id: Mapped[int] = mapped_column(
        ForeignKey("discount_codes.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
