"""What the organiser's dashboard shows, read from the stats consumer's tables and the
timeline buckets: tickets sold against capacity, units held per day, money by order
state, check-ins and people inside per 5 minutes for the event's day, the latest scans.

Only the latest scans are raw rows: at most LATEST of them, newest first by scan id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from models.accounts.tables import User
from models.catalog.tables import Event, Ticket
from models.core.db import Database
from models.ticketing.stats.service import EventStatsView, get_event_stats
from models.ticketing.tables import Attendee, CheckInScan
from models.ticketing.timeline.read import Timeline, get_timeline
from models.ticketing.timeline.tables import TimelineBucket

LATEST = 8
SALES_DAYS = 30
HELD = ("pending", "placed", "completed")  # states whose units are sold (held)


@dataclass(frozen=True)
class TicketSales:
    name: str
    sold: int
    capacity: int


@dataclass(frozen=True)
class Scan:
    at: datetime
    kind: str
    device_name: str | None
    name: str


@dataclass
class Dashboard:
    event: Event
    stats: EventStatsView
    tickets: list[TicketSales]
    sales: list[tuple[datetime, int]]        # units held, change per day
    day: datetime                            # the day the door charts show
    door: Timeline                           # its check-ins and inside, per 5 minutes
    latest: list[Scan]

    @property
    def check_ins(self) -> list[tuple[datetime, int]]:
        return [(at, int(v)) for at, v in self.door.series.get("check_ins", {}).get("", [])]


def _sales(timeline: Timeline) -> list[tuple[datetime, int]]:
    per_day: dict[datetime, Decimal] = {}
    for key, points in timeline.series.get("units", {}).items():
        if key.rsplit(":", 1)[-1] in HELD:
            for at, value in points:
                per_day[at] = per_day.get(at, Decimal(0)) + value
    return sorted((at, int(v)) for at, v in per_day.items())


def _door_day(db: Database, event: Event) -> datetime:
    """The UTC day of the latest check-in bucket; before any, the event's first day."""
    with db.session() as s:
        last = s.scalar(select(func.max(TimelineBucket.bucket_at)).where(
            TimelineBucket.event_id == event.id, TimelineBucket.span == "5m",
            TimelineBucket.series == "check_ins"))
    moment = last or event.starts_at
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def get_dashboard(db: Database, actor: User, event_id: int, now: datetime) -> Dashboard:
    """The dashboard of `event_id` (owner, admins, staff: Forbidden otherwise, NotFound
    for no event)."""
    stats = get_event_stats(db, actor, event_id)  # checks the actor's right
    with db.session() as s:
        event = s.get(Event, event_id)
        sold = {t.ticket_id: t.sold for t in stats.tickets}
        tickets = [TicketSales(t.name, sold.get(t.id, 0), t.quantity) for t in s.scalars(
            select(Ticket).where(Ticket.event_id == event_id).order_by(Ticket.id))]
        latest = [Scan(at, kind, device, f"{first} {last}") for at, kind, device, first, last
                  in s.execute(select(CheckInScan.at, CheckInScan.kind, CheckInScan.device_name,
                                      Attendee.first_name, Attendee.last_name)
                               .join(Attendee, Attendee.id == CheckInScan.attendee_id)
                               .where(Attendee.event_id == event_id)
                               .order_by(CheckInScan.id.desc()).limit(LATEST))]
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sales = get_timeline(db, actor, event_id, "day", today - timedelta(days=SALES_DAYS - 1),
                         today + timedelta(days=1))
    day = _door_day(db, event)
    door = get_timeline(db, actor, event_id, "5m", day, day + timedelta(days=1))
    return Dashboard(event, stats, tickets, _sales(sales), day, door, latest)
