"""The timeline read model: one row per event, series, key and 5-minute bucket.

Every row holds the sum of the deltas the stats consumer applied for facts whose time
falls in that bucket (an order entering a state +1, leaving it -1; a scan +1; the people
inside +1/-1). Hours and days are sums of 5-minute rows, so reads never touch orders or
scans. No foreign keys and no CHECK, for the same reasons as the stats tables: events
arrive in any order and a late one about a deleted row must not block the consumer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime

# series -> what its key names
SERIES = {
    "orders": "order state",            # orders entering (+1) or leaving (-1) a state
    "units": "<ticket id>:<state>",     # ticket units entering or leaving a state
    "revenue": "order state",           # the orders' amounts entering or leaving a state
    "check_ins": "",                    # entry scans
    "check_outs": "",                   # exit scans
    "inside": "",                       # people coming in (+1) and going out (-1)
}


class TimelineBucket(Base):
    __tablename__ = "timeline_buckets"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    bucket_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"),
                                           server_default="0")
