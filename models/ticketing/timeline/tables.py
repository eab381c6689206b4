"""The timeline read model: one row per event, series, key and 5-minute bucket.

Every row holds the sum of the deltas the stats consumer applied for facts whose time
falls in that bucket (an order entering a state +1, leaving it -1; a scan +1; the people
inside +1/-1). Each delta goes into its 5-minute, hour and day bucket (`span`), so a read
of any span takes its rows as they are: it never sums buckets, nor touches orders or
scans. No foreign keys and no CHECK, for the same reasons as the stats tables: events
arrive in any order and a late one about a deleted row must not block the consumer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime

SPANS = ("5m", "hour", "day")
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
    __table_args__ = (
        # a read's rows are one range of this key: event, span, then its window
        PrimaryKeyConstraint("event_id", "span", "bucket_at", "series", "key"),
        CheckConstraint("span IN ('5m', 'hour', 'day')", name="span_known"),
    )

    event_id: Mapped[int] = mapped_column(autoincrement=False)
    series: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(40))
    span: Mapped[str] = mapped_column(String(4), default="5m",
                                      server_default="5m")
    bucket_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"),
                                           server_default="0")
