"""The organiser's dashboard (/events/<id>/dashboard), for the owner, admins and staff:
tickets sold against capacity, sales per day, money by order state, check-ins per 5
minutes with the people inside, and the latest scans; SVG charts drawn here.

The panels are polled every second (htmx), not pushed by server-sent events: an open
SSE stream holds a worker of the API's fixed pool (gunicorn's sync workers) for as long
as the page is open, so a few open dashboards would starve the door's check-ins; a poll
is one short request that reads a few bucket rows. With the stats consumer a fraction of
a second behind, a sale or a check-in shows within 2 s."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from api import deps
from api.pages.charts import Axis, time_chart
from api.pages.session import signin_required
from models.accounts.tables import User
from models.core.base import utcnow
from models.ticketing.timeline.dashboard import SALES_DAYS, Dashboard, get_dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/events/<int:event_id>/dashboard")
REFRESH_SECONDS = 1
FIVE_MINUTES, HOUR = timedelta(minutes=5), timedelta(hours=1)
MIN_DOOR_SPAN = timedelta(hours=2)
DOOR_SERIES = ("check_ins", "check_outs")


def _door_axis(d: Dashboard) -> Axis:
    """The event day's hours that saw scans (at least two): 5-minute bars stay wide
    enough to read on a phone."""
    times = [at for series in DOOR_SERIES for at, _ in d.door.series.get(series, {}).get("", [])]
    start = min(times, default=d.day + 9 * HOUR).replace(minute=0)
    end = max(max(times, default=start) + FIVE_MINUTES, start + MIN_DOOR_SPAN)
    hours = -(-(end - start) // HOUR)
    return Axis(start, FIVE_MINUTES, int(hours * HOUR / FIVE_MINUTES), "%H:%M")


def charts(d: Dashboard) -> dict:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    sales_axis = Axis(today - timedelta(days=SALES_DAYS - 1), timedelta(days=1), SALES_DAYS,
                      "%d %b")
    held, running = d.stats.sold - sum(n for _, n in d.sales), []
    for at, n in d.sales:
        held += n
        running.append((at, held))
    return {
        "sales": time_chart("Tickets sold per day, and held in all", sales_axis, d.sales,
                            running, level_start=running[0][1] - d.sales[0][1]
                            if running else d.stats.sold),
        "door": time_chart("Check-ins per 5 minutes, and people inside", _door_axis(d),
                           d.check_ins, d.door.inside_levels(),
                           level_start=d.door.inside_before),
    }


def _context(user: User, event_id: int) -> dict:
    d = get_dashboard(deps.db(), user, event_id, utcnow())
    states = d.stats.states
    money = {"revenue": states["completed"].amount,
             "awaiting": states["pending"].amount + states["placed"].amount,
             "given_back": states["cancelled"].amount + states["expired"].amount}
    return {"d": d, "money": money, "charts": charts(d), "event_id": event_id,
            "refresh_seconds": REFRESH_SECONDS}


@bp.get("")
@signin_required
def dashboard(user: User, event_id: int):
    return render_template("dashboard/page.html", **_context(user, event_id))


@bp.get("/panels")
@signin_required
def panels(user: User, event_id: int):
    return render_template("dashboard/_panels.html", **_context(user, event_id))
