"""GET /v1/events/<id>/timeline: the stats consumer's 5-minute buckets summed per 5
minutes, hour or day (reads never touch orders or scans)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, request, url_for

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import document, resource
from api.openapi import doc
from models.core.base import utcnow
from models.core.errors import BadParameter
from models.ticketing.timeline.read import BUCKETS, Timeline, get_timeline

bp = Blueprint("timeline", __name__)
# the window when `from` is not given: a day of 5 minutes, a week of hours, 90 days
DEFAULT_SPAN = {"5m": timedelta(days=1), "hour": timedelta(days=7), "day": timedelta(days=90)}


def _time(name: str, default: datetime) -> datetime:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(f"{name} must be an ISO 8601 time with a zone",
                           parameter=name) from None


def window() -> tuple[str, datetime, datetime]:
    """`bucket`, `from` and `to` of the request (BadParameter when unreadable)."""
    bucket = request.args.get("bucket", "5m")  # checked by get_timeline
    end = _time("to", utcnow() + BUCKETS["5m"])
    return bucket, _time("from", end - DEFAULT_SPAN.get(bucket, timedelta(days=1))), end


def timeline_attributes(view: Timeline) -> dict:
    series = {name: {key: [{"at": at.isoformat(), "value": float(value)} for at, value in points]
                     for key, points in keys.items()}
              for name, keys in sorted(view.series.items())}
    return {"bucket": view.bucket, "from": view.start.isoformat(), "to": view.end.isoformat(),
            "series": series, "inside-before": int(view.inside_before),
            "inside": [{"at": at.isoformat(), "value": n} for at, n in view.inside_levels()]}


@bp.get("/v1/events/<int:event_id>/timeline")
@login_required
@doc("Orders, units and revenue entering and leaving each state, check-ins, check-outs "
     "and the people inside, per `bucket` (5m, hour, day) between `from` and `to` (ISO "
     "8601; default the last day, week or 90 days). Owner or staff; kept by the stats "
     "consumer", type_="event-timeline", errors=(400, 401, 403, 404))
def event_timeline(event_id: int):
    bucket, start, end = window()
    view = get_timeline(deps.db(), require_user(), event_id, bucket, start, end)
    return document(resource("event-timeline", event_id, timeline_attributes(view),
                             relationships={"event": ("event", event_id)},
                             self_link=url_for("timeline.event_timeline", event_id=event_id)))
