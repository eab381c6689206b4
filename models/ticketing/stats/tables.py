"""Read models kept by the stats consumer: counts per event, per ticket and per device.
Reads never aggregate; the consumer applies each fact once (`stats_applied_facts`).
No foreign keys: a late event about a deleted ticket must never block the consumer.
No CHECK on the counts either: events arrive in any order (a check-out before its
check-in), so a count may dip below zero until the other event arrives; reads clamp."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime, utcnow


class EventStats(Base):
    __tablename__ = "event_stats"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checked_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inside: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketStats(Base):
    __tablename__ = "ticket_stats"

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(index=True)
    sold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checked_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inside: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DeviceStats(Base):
    """Check-in scans made by one device name at one event (`-` for no name)."""

    __tablename__ = "device_stats"
    __table_args__ = (CheckConstraint("check_ins >= 0", name="check_ins_not_negative"),)

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    device_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    check_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderStateStats(Base):
    """Orders of one event in one state (pending, placed, completed, expired, cancelled),
    their units and amounts; the completed row's amount is the event's revenue. No CHECK
    on the counts: an order's move out of a state may arrive before its placement after
    a relay failure, so a count may pass below zero on the way to its exact value."""

    __tablename__ = "order_state_stats"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    units: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"),
                                            server_default="0")


class StatsAppliedFact(Base):
    """A fact (`order.placed:<order id>`, `scan:<scan id>`, ...) already counted."""

    __tablename__ = "stats_applied_facts"

    fact: Mapped[str] = mapped_column(String(100), primary_key=True)
    # pruned past the dedupe horizon, as the consumers' tracking rows are
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now(), index=True)
