"""Tickets: `POST /v1/tickets` with `relationships.event`, as Open Event's clients send."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from flask import Blueprint, Response, url_for
from marshmallow import fields, post_load, validate

from api import deps
from api.auth import current_user, login_required, require_user
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    page_args,
    page_document,
    parse_resource,
    relationship_id,
    resource,
    resource_type,
)
from api.list_query import list_query
from api.openapi import doc
from models.catalog import events as catalog
from models.catalog.lookups import tickets_by_ids
from models.catalog.tables import TICKET_TYPES, Ticket
from models.ticketing.orders.place import MAX_UNITS_PER_LINE

bp = Blueprint("tickets", __name__)


class TicketSchema(ResourceSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(allow_none=True)
    type = fields.String(load_default="free", validate=validate.OneOf(TICKET_TYPES))
    price = fields.Float(load_default=0, validate=validate.Range(min=0, max=99_999_999.99))
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=10**7))
    sold_count = fields.Integer(dump_only=True)
    sales_starts_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    sales_ends_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    min_order = fields.Integer(load_default=1,
                               validate=validate.Range(min=1, max=MAX_UNITS_PER_LINE))
    max_order = fields.Integer(load_default=10,
                               validate=validate.Range(min=1, max=MAX_UNITS_PER_LINE))
    is_hidden = fields.Boolean(load_default=False)

    @post_load
    def _price(self, data: dict, **_) -> dict:
        if "price" in data:
            data["price"] = Decimal(str(data["price"])).quantize(Decimal("0.01"))
        return data


# what the ticket's attributes must say together (models/catalog/events.py _check_ticket)
TICKET_RULES = ("Rules across attributes, which JSON Schema cannot state (422, its "
                "`source.pointer` at the member): sales-ends-at not before sales-starts-at "
                "(`sales_window`); max-order not below min-order (`order_limits`); a free "
                "ticket has no price (`free_ticket_priced`); quantity not below sold-count "
                "(`quantity_below_sold`).")


def ticket_resource(ticket: Ticket) -> dict:
    return resource("ticket", ticket.id, TicketSchema.one().dump(ticket),
                    relationships={"event": ("event", ticket.event_id)},
                    self_link=url_for("tickets.get_ticket", ticket_id=ticket.id))


resource_type("ticket", {"event": "event"},
              load=lambda ids: [ticket_resource(t) for t in tickets_by_ids(deps.db(), ids)])


@bp.post("/v1/tickets")
@login_required
@doc("Create a ticket for an event (owner or admin)", type_="ticket", body=TicketSchema,
     response=TicketSchema, status=201, errors=(400, 401, 403, 404, 409, 422),
     relationships={"event": ("event", True)}, rules=TICKET_RULES)
def create_ticket():
    attrs, rels = parse_resource("ticket")
    values = load_attributes(TicketSchema.one(), attrs)
    event_id = relationship_id(rels, "event", "event")
    ticket = catalog.create_ticket(deps.db(), require_user(), event_id, values,
                                   max_tickets=deps.config().max_tickets_per_event)
    return document(ticket_resource(ticket), status=201)


@bp.get("/v1/events/<int:event_id>/tickets")
@doc("An event's tickets (hidden ones for the owner only)", type_="ticket",
     response=TicketSchema, many=True, errors=(400, 404), list_of="ticket")
def list_event_tickets(event_id: int):
    page = catalog.list_tickets(deps.db(), current_user(), event_id, *page_args(),
                                refine=list_query("ticket"))
    return page_document(page, [ticket_resource(t) for t in page.items], type_="ticket")


@bp.get("/v1/tickets/<int:ticket_id>")
@doc("A ticket", type_="ticket", response=TicketSchema, errors=(400, 404), include_of="ticket")
def get_ticket(ticket_id: int):
    return document(ticket_resource(catalog.get_ticket(deps.db(), current_user(), ticket_id)),
                    type_="ticket")


@bp.patch("/v1/tickets/<int:ticket_id>")
@login_required
@doc("Change a ticket; quantity never below sold-count", type_="ticket", body=TicketSchema,
     response=TicketSchema, errors=(400, 401, 403, 404, 409, 422), rules=TICKET_RULES)
def update_ticket(ticket_id: int):
    attrs, _ = parse_resource("ticket", resource_id=ticket_id)
    values = load_attributes(TicketSchema.one(), attrs, partial=True)
    ticket = catalog.update_ticket(deps.db(), require_user(), ticket_id, values)
    return document(ticket_resource(ticket))


@bp.delete("/v1/tickets/<int:ticket_id>")
@login_required
@doc("Delete a ticket without sales", status=204, errors=(401, 403, 404, 409))
def delete_ticket(ticket_id: int):
    catalog.delete_ticket(deps.db(), require_user(), ticket_id)
    return Response(status=204)
