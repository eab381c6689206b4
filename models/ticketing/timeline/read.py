"""Reading an event's timeline: sums of its 5-minute buckets per 5 minutes, hour or day.

Never reads orders or scans. The cost grows with the buckets in the window (at most 288
a day per series and key), not with the orders and check-ins they count."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
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
_TRUNC_PG = {"hour": "hour", "day": "day"}
_TRUNC_SQLITE = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


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


def _truncated(s: Session, bucket: str) -> ColumnElement:
    column = TimelineBucket.bucket_at
    if bucket == "5m":
        return column
    if s.bind.dialect.name == "postgresql":
        return func.date_trunc(_TRUNC_PG[bucket], func.timezone("UTC", column))
    return func.strftime(_TRUNC_SQLITE[bucket], column)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite's strftime
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    """The buckets of `event_id` in [start, end) summed per `bucket` (owner, admins,
    staff; Forbidden otherwise, NotFound for no event). BadParameter for a bad window."""
    check_window(bucket, start, end)
    with db.session() as s:
        if not can_check_in(s, actor, load_event(s, event_id)):
            raise Forbidden("Only the event's owner or staff can see its timeline")
        t = TimelineBucket
        at = _truncated(s, bucket).label("at")
        in_window = (t.event_id == event_id, t.bucket_at >= bucket_of(start), t.bucket_at < end)
        rows = s.execute(select(t.series, t.key, at, func.sum(t.value))
                         .where(*in_window).group_by(t.series, t.key, at)
                         .order_by(t.series, t.key, at)).all()
        before = s.scalar(select(func.coalesce(func.sum(t.value), 0)).where(
            t.event_id == event_id, t.series == "inside", t.bucket_at < bucket_of(start)))
    view = Timeline(event_id, bucket, start, end, inside_before=Decimal(before))
    for series, key, when, value in rows:
        if value:
            view.series[series][key].append((_as_utc(when), Decimal(value)))
    return view
