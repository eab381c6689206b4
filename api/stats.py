"""GET /v1/events/<id>/stats: the counts the stats consumer keeps (reads never aggregate)."""

from __future__ import annotations

from flask import Blueprint, url_for

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import document, resource
from api.openapi import doc
from models.ticketing.orders.event_orders import get_order_statistics
from models.ticketing.stats.service import get_event_stats

bp = Blueprint("stats", __name__)


@bp.get("/v1/events/<int:event_id>/stats")
@login_required
@doc("Sold, checked in, inside, per ticket and per device; orders, units and amounts by "
     "state and the revenue (owner or staff; kept by the stats consumer, so slightly "
     "behind the writes)", type_="event-stats",
     errors=(401, 403, 404))
def event_stats(event_id: int):
    view = get_event_stats(deps.db(), require_user(), event_id)
    attrs = {
        "sold": view.sold, "checked-in": view.checked_in, "inside": view.inside,
        "tickets": [{"id": str(t.ticket_id), "sold": t.sold, "checked-in": t.checked_in,
                     "inside": t.inside} for t in view.tickets],
        "devices": [{"device-name": d.device_name, "check-ins": d.check_ins}
                    for d in view.devices],
        "orders": {state: {"orders": st.orders, "units": st.units, "amount": float(st.amount)}
                   for state, st in view.states.items()},
        "revenue": float(view.revenue),
    }
    return document(resource("event-stats", event_id, attrs,
                             relationships={"event": ("event", event_id)},
                             self_link=url_for("stats.event_stats", event_id=event_id)))


@bp.get("/v1/events/<int:event_id>/order-statistics")
@login_required
@doc("Orders, ticket units and sales of an event by order state, as Open Event's "
     "`order-statistics-event` (owner, admins, staff)", type_="order-statistics-event",
     errors=(401, 403, 404))
def order_statistics(event_id: int):
    stats = get_order_statistics(deps.db(), require_user(), event_id)

    def by_state(counts: dict) -> dict:
        return {**counts, "total": sum(counts.values())}

    attrs = {"tickets": by_state(stats.tickets), "orders": by_state(stats.orders),
             "sales": by_state({k: float(v) for k, v in stats.sales.items()})}
    return document(resource("order-statistics-event", event_id, attrs,
                             relationships={"event": ("event", event_id)},
                             self_link=url_for("stats.order_statistics", event_id=event_id)))
