"""/v1/events: the event resource (average rating is kept by the ratings consumer)."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import current_user, login_required, require_user
from api.choices import Listed, iana_timezones
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    page_args,
    page_document,
    parse_resource,
    resource,
    resource_type,
)
from api.list_query import list_query
from api.openapi import doc
from api.tickets import ticket_resource
from models.catalog import events as catalog
from models.catalog.lookups import events_by_ids, tickets_of_events
from models.catalog.tables import MAX_ORDER_EXPIRY_MINUTES, Event
from models.ticketing.orders.event_orders import list_user_events

bp = Blueprint("events", __name__)


class EventSchema(ResourceSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    ends_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    # minutes a paid online order holds its tickets while the buyer pays
    order_expiry_time = fields.Integer(validate=validate.Range(1, MAX_ORDER_EXPIRY_MINUTES))
    # ISO 4217, upper case; DEFAULT_CURRENCY when left out
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    # an IANA timezone ("Europe/Berlin"): tickets show the event's times in it. The
    # document lists every name (`enum`), so that a name it offers is one the API takes;
    # a name outside the list never reaches the file system
    timezone = fields.String(validate=Listed(iana_timezones, "not an IANA timezone name "
                                             "(like Europe/Berlin)"),
                             metadata={"example": "Europe/Berlin"})
    location_name = fields.String(allow_none=True, validate=validate.Length(min=1, max=255))
    average_rating = fields.Float(dump_only=True, allow_none=True)
    rating_count = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


EVENT_RULES = ("A rule across attributes, which JSON Schema cannot state: ends-at not "
               "before starts-at (422 `ends_before_start`).")


def event_resource(event: Event) -> dict:
    attrs = EventSchema.one().dump(event)
    # what Open Event's organizer app needs non-null: every event here is published
    attrs.update({"identifier": str(event.id), "state": "published"})
    return resource("event", event.id, attrs,
                    relationships={"owner": ("user", event.owner_id)},
                    self_link=url_for("events.get_event", event_id=event.id))


def _event_tickets(event_ids: list[int], limit: int) -> dict[int, list[dict]]:
    tickets = tickets_of_events(deps.db(), current_user(), event_ids, limit)
    return {eid: [ticket_resource(t) for t in ts] for eid, ts in tickets.items()}


resource_type("event", {"owner": "user", "tickets": "ticket"},
              load=lambda ids: [event_resource(e) for e in events_by_ids(deps.db(), ids)],
              to_many={"tickets": _event_tickets},
              paged={"tickets": "/v1/events/{id}/tickets"})


@bp.post("/v1/events")
@login_required
@doc("Create an event", type_="event", body=EventSchema, response=EventSchema, status=201,
     errors=(400, 401, 409, 422), rules=EVENT_RULES)
def create_event():
    attrs, _ = parse_resource("event")
    values = load_attributes(EventSchema.one(), attrs)
    event = catalog.create_event(deps.db(), require_user(), values)
    return document(event_resource(event), status=201)


@bp.get("/v1/events")
@doc("List events", type_="event", response=EventSchema, many=True, errors=(400,),
     list_of="event")
def list_events():
    page = catalog.list_events(deps.db(), *page_args(), refine=list_query("event"))
    return page_document(page, [event_resource(e) for e in page.items], type_="event")


@bp.get("/v1/users/<int:user_id>/events")
@login_required
@doc("The events a user owns or is staff of (that user or an admin)", type_="event",
     response=EventSchema, many=True, errors=(400, 401, 403), list_of="event")
def list_user_events_view(user_id: int):
    page = list_user_events(deps.db(), require_user(), user_id, *page_args(),
                            refine=list_query("event"))
    return page_document(page, [event_resource(e) for e in page.items], type_="event")


@bp.get("/v1/events/<int:event_id>")
@doc("An event with its average rating", type_="event", response=EventSchema,
     errors=(400, 404), include_of="event")
def get_event(event_id: int):
    current_user()
    return document(event_resource(catalog.get_event(deps.db(), event_id)), type_="event")


@bp.patch("/v1/events/<int:event_id>")
@login_required
@doc("Change an event (owner or admin)", type_="event", body=EventSchema, response=EventSchema,
     errors=(400, 401, 403, 404, 409, 422), rules=EVENT_RULES)
def update_event(event_id: int):
    attrs, _ = parse_resource("event", resource_id=event_id)
    fields_ = load_attributes(EventSchema.one(), attrs, partial=True)
    event = catalog.update_event(deps.db(), require_user(), event_id, fields_)
    return document(event_resource(event))


@bp.delete("/v1/events/<int:event_id>")
@login_required
@doc("Delete an event without sales (owner or admin)", status=204, errors=(401, 403, 404, 409))
def delete_event(event_id: int):
    catalog.delete_event(deps.db(), require_user(), event_id)
    return Response(status=204)
