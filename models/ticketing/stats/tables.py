"""Read models kept by the stats consumer: counts per event, per ticket and per device.
Reads never aggregate; the consumer applies each fact once (`stats_applied_facts`).
No foreign keys: a late event about a deleted ticket must never block the consumer."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base


class EventStats(Base):
    __tablename__ = "event_stats"
    __table_args__ = (CheckConstraint("sold >= 0 AND checked_in >= 0 AND inside >= 0",
                                      name="counts_not_negative"),)

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checked_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inside: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketStats(Base):
    __tablename__ = "ticket_stats"
    __table_args__ = (CheckConstraint("sold >= 0 AND checked_in >= 0 AND inside >= 0",
                                      name="counts_not_negative"),)

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
