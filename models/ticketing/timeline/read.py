"""Reading an event's timeline per 5 minutes, hour or day: the rows the stats consumer
keeps for that span, as they are.

Never reads orders or scans, and never sums buckets: the cost grows with the buckets in
the window (at most 288 a day per series and key for 5 minutes), not with the orders
and check-ins they count."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.db import Database
from models.core.errors import BadParameter, Forbidden
from models.ticketing.staff import can_check_in
from models.ticketing.timeline.collect import bucket_of
from models.ticketing.timeline.tables import TimelineBucket

BUCKETS = {"5m": timedelta(minutes=5), "hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_BUCKETS = 5000  # a window longer than this many buckets asks for a coarser bucket


@dataclass
class Timeline:
    event_id: int
    bucket: str
    start: datetime
    end: datetime
    # series -> key -> [(bucket start, sum)], buckets without a change left out
    series: dict[str, dict[str, list[tuple[datetime, Decimal]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    inside_before: Decimal = Decimal("0")  # the people inside when the window starts

    def inside_levels(self) -> list[tuple[datetime, int]]:
        """The people inside at the end of each bucket that changed it (never below 0)."""
        level, out = self.inside_before, []
        for at, delta in self.series.get("inside", {}).get("", []):
            level += delta
            out.append((at, max(0, int(level))))
        return out


def _inside_before(s: Session, event_id: int, start: datetime) -> Decimal:
    """The people inside at `start`: whole days before its day, then its 5 minutes."""
    t, day = TimelineBucket, bucket_of(start, "day")
    return Decimal(s.scalar(select(func.coalesce(func.sum(t.value), 0)).where(
        t.event_id == event_id, t.series == "inside",
        or_(and_(t.span == "day", t.bucket_at < day),
            and_(t.span == "5m", t.bucket_at >= day, t.bucket_at < start)))))


def check_window(bucket: str, start: datetime, end: datetime) -> None:
    """BadParameter unless `bucket` is known and the window is ordered and not too long."""
    if bucket not in BUCKETS:
        raise BadParameter(f"bucket must be one of {', '.join(BUCKETS)}", parameter="bucket")
    if start.tzinfo is None or end.tzinfo is None:
        raise BadParameter("from and to need a time zone", parameter="from")
    if end <= start:
        raise BadParameter("to must be after from", parameter="to")
    if (end - start) / BUCKETS[bucket] > MAX_BUCKETS:
        raise BadParameter(f"at most {MAX_BUCKETS} buckets: choose a coarser bucket",
                           code="window_too_long", parameter="bucket")


def get_timeline(db: Database, actor: User, event_id: int, bucket: str,
                 start: datetime, end: datetime) -> Timeline:
    """The `bucket` (5m, hour, day) rows of `event_id` from the one holding `start` to
    `end` (owner, admins, staff; Forbidden otherwise, NotFound for no event).
    BadParameter for a bad window."""
    check_window(bucket, start, end)
    with db.session() as s:
        if not can_check_in(s, actor, load_event(s, event_id)):
            raise Forbidden("Only the event's owner or staff can see its timeline")
        t = TimelineBucket
        rows = s.execute(select(t.series, t.key, t.bucket_at, t.value).where(
            t.event_id == event_id, t.span == bucket, t.bucket_at >= bucket_of(start, bucket),
            t.bucket_at < end).order_by(t.series, t.key, t.bucket_at)).all()
        before = _inside_before(s, event_id, bucket_of(start, bucket))
    view = Timeline(event_id, bucket, start, end, inside_before=before)
    for series, key, at, value in rows:
        if value:
            view.series[series][key].append((at, Decimal(value)))
    return view
