"""Events, their tickets and the feedback on them. Invariants are named constraints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime, utcnow

TICKET_TYPES = ("free", "paid", "donation")
ORDER_EXPIRY_MINUTES = 15
CURRENCY_SHAPE = "length(currency) = 3 AND currency = upper(currency)"  # ISO 4217: "EUR"
MAX_ORDER_EXPIRY_MINUTES = 10080  # a week


class Event(Base):
    __tablename__ = "events"
    # rating_sum / rating_count / average_rating are the ratings consumer's running totals.
    # It applies `rating.changed` deltas exactly once but in any order, so a total may pass
    # through a value no feedback set has (an update before its create): no CHECK on them.
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint(f"order_expiry_time BETWEEN 1 AND {MAX_ORDER_EXPIRY_MINUTES}",
                        name="order_expiry_time_range"),
        CheckConstraint(CURRENCY_SHAPE, name="currency_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    average_rating: Mapped[float | None] = mapped_column(Numeric(6, 3, asdecimal=False))
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # minutes a paid online order holds its units while the buyer pays (Open Event's name)
    order_expiry_time: Mapped[int] = mapped_column(Integer, default=ORDER_EXPIRY_MINUTES,
                                                   server_default=str(ORDER_EXPIRY_MINUTES))
    # ISO 4217 (DEFAULT_CURRENCY when the owner names none): what its orders are paid in
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    # an IANA name (the API checks it): tickets show the event's times in it
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    location_name: Mapped[str | None] = mapped_column(String(255))  # the venue, if any
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("sold_count >= 0 AND sold_count <= quantity", name="sold_within_capacity"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("type IN ('free', 'paid', 'donation')", name="type_known"),
        CheckConstraint("min_order >= 1 AND max_order >= min_order", name="order_limits"),
        CheckConstraint(
            "sales_ends_at IS NULL OR sales_starts_at IS NULL OR sales_ends_at >= sales_starts_at",
            name="sales_window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="free")
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    quantity: Mapped[int] = mapped_column(Integer)
    sold_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sales_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sales_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_order: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    max_order: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class Feedback(Base):
    __tablename__ = "feedbacks"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
