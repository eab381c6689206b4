"""/v1/discount-codes and their tickets, as JSON:API relationship endpoints."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from flask import Blueprint, Response, request, url_for
from marshmallow import fields, post_load, validate

from api import deps
from api.auth import login_required, require_user
from api.errors import JSONAPI, ApiError
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    page_args,
    page_document,
    parse_resource,
    relationship_id,
    request_json,
    resource,
)
from api.limits import COUNTS, MAX_INT, bounded_id, event_filter
from api.links import link_for
from api.openapi import doc
from api.tickets import ticket_resource
from models.ticketing import discounts
from models.ticketing.discounts import DiscountView
from models.ticketing.tables import DISCOUNT_TYPES, DISCOUNT_USES

bp = Blueprint("discount_codes", __name__)


class DiscountCodeSchema(ResourceSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    used_for = fields.String(required=True, validate=validate.OneOf(DISCOUNT_USES))
    type = fields.String(required=True, validate=validate.OneOf(DISCOUNT_TYPES))
    value = fields.Float(required=True, validate=validate.Range(min=0, max=99_999_999.99))
    valid_from = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    valid_till = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    tickets_number = fields.Integer(allow_none=True, validate=COUNTS)
    used_count = fields.Integer(dump_only=True)
    is_active = fields.Boolean()
    created_at = fields.AwareDateTime(dump_only=True)

    @post_load
    def _value(self, data: dict, **_) -> dict:
        if "value" in data:
            data["value"] = Decimal(str(data["value"])).quantize(Decimal("0.01"))
        return data


# models/ticketing/discounts.py (_check, _check_tickets)
CODE_RULES = ("Rules across attributes and relationships, or on what exists, which JSON "
              "Schema cannot state (422, its `source.pointer` at the member): valid-till not "
              "before valid-from (`validity_window`); a percent discount at most 100 "
              "(`value_range`); a code of more than blanks (`empty_code`); tickets-number "
              "not below the uses made (`uses_within_limit`); relationships.tickets only on a "
              "code used-for ticket (`event_code_has_no_tickets`), naming tickets of the "
              "code's event (`unknown_ticket`, `ticket_of_other_event`).")


def code_resource(view: DiscountView) -> dict:
    c = view.code
    data = resource("discount-code", c.id, DiscountCodeSchema.one().dump(c),
                    relationships={"event": ("event", c.event_id),
                                   "tickets": ("ticket", view.ticket_ids)},
                    self_link=url_for("discount_codes.get_code", code_id=c.id))
    data["relationships"]["tickets"]["links"] = {
        "self": link_for("discount_codes.ticket_linkage", code_id=c.id),
        "related": link_for("discount_codes.code_tickets", code_id=c.id)}
    return data


def _to_many(value: object, pointer: str) -> list[int]:
    """Ticket ids of a to-many linkage `[{"type": "ticket", "id": ...}]`."""
    if not isinstance(value, list):
        raise ApiError(422, "invalid_linkage", "tickets must be a list of "
                       "{\"type\": \"ticket\", \"id\": ...}", pointer=pointer)
    ids = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or item.get("type") != "ticket":
            raise ApiError(422, "invalid_linkage", "each element must be of type ticket",
                           pointer=f"{pointer}/{i}")
        ids.append(bounded_id(item.get("id"), f"{pointer}/{i}/id", "invalid_linkage",
                              "ticket id"))
    return ids


LINKAGE = (JSONAPI, {"type": "object", "required": ["data"], "properties": {"data": {
    "type": "array", "items": {"type": "object", "required": ["type", "id"], "properties": {
        "type": {"type": "string", "enum": ["ticket"]},
        # an id from 1 to MAX_INT, as a string (bounded_id); nine digits stay below it
        "id": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}}}}}})


def _linkage(ids: list[int]) -> Response:
    return document([{"type": "ticket", "id": str(i)} for i in ids])


@bp.post("/v1/discount-codes")
@login_required
@doc("Create a discount code (event owner); relationships.tickets for used-for ticket",
     type_="discount-code", body=DiscountCodeSchema, response=DiscountCodeSchema, status=201,
     errors=(400, 401, 403, 404, 409, 422),
     relationships={"event": ("event", True)}, rules=CODE_RULES)
def create_code():
    attrs, rels = parse_resource("discount-code")
    values = load_attributes(DiscountCodeSchema.one(), attrs)
    event_id = relationship_id(rels, "event", "event")
    tickets = rels.get("tickets")
    ids = _to_many(tickets.get("data") if isinstance(tickets, dict) else tickets,
                   "/data/relationships/tickets/data") if tickets is not None else []
    view = discounts.create_discount_code(deps.db(), require_user(), event_id, values, ids)
    return document(code_resource(view), status=201)


@bp.get("/v1/discount-codes")
@login_required
@doc("An event's discount codes (filter[event]=<id>, owner)", type_="discount-code",
     response=DiscountCodeSchema, many=True, errors=(400, 401, 403, 404),
     query=(("filter[event]", "The event whose codes to list (required)",
             {"type": "integer", "minimum": 1, "maximum": MAX_INT}, True),))
def list_codes():
    event_id = event_filter(required=True)
    page = discounts.list_discount_codes(deps.db(), require_user(), event_id, *page_args())
    return page_document(page, [code_resource(v) for v in page.items])


@bp.get("/v1/discount-codes/<int:code_id>")
@login_required
@doc("A discount code (owner)", type_="discount-code", response=DiscountCodeSchema,
     errors=(401, 403, 404))
def get_code(code_id: int):
    return document(code_resource(discounts.get_discount_code(deps.db(), require_user(),
                                                              code_id)))


@bp.patch("/v1/discount-codes/<int:code_id>")
@login_required
@doc("Change a discount code (owner)", type_="discount-code", body=DiscountCodeSchema,
     response=DiscountCodeSchema, errors=(400, 401, 403, 404, 409, 422), rules=CODE_RULES)
def update_code(code_id: int):
    attrs, _ = parse_resource("discount-code", resource_id=code_id)
    values = load_attributes(DiscountCodeSchema.one(), attrs, partial=True)
    view = discounts.update_discount_code(deps.db(), require_user(), code_id, values)
    return document(code_resource(view))


@bp.delete("/v1/discount-codes/<int:code_id>")
@login_required
@doc("Delete an unused discount code (owner)", status=204, errors=(401, 403, 404, 409))
def delete_code(code_id: int):
    discounts.delete_discount_code(deps.db(), require_user(), code_id)
    return Response(status=204)


@bp.get("/v1/discount-codes/<int:code_id>/tickets")
@login_required
@doc("The tickets a discount code applies to", type_="ticket", many=True,
     errors=(401, 403, 404))
def code_tickets(code_id: int):
    tickets = discounts.code_tickets(deps.db(), require_user(), code_id)
    return document([ticket_resource(t) for t in tickets])


LINKAGE_PATH = "/v1/discount-codes/<int:code_id>/relationships/tickets"


@bp.get(LINKAGE_PATH)
@login_required
@doc("Ticket linkage of a ticket-level code (POST adds, PATCH replaces, DELETE removes)",
     errors=(401, 403, 404), raw_response=LINKAGE)
def ticket_linkage(code_id: int):
    return _linkage(discounts.get_discount_code(deps.db(), require_user(), code_id).ticket_ids)


@bp.route(LINKAGE_PATH, methods=["POST", "PATCH"])
@login_required
@doc("Add (POST) or replace (PATCH) the tickets of a ticket-level code", errors=(
     400, 401, 403, 404, 422), raw_body=LINKAGE, raw_response=LINKAGE,
     rules="Rules on the code and on what exists, which JSON Schema cannot state (422, "
     "pointer /data): only a code used-for ticket has tickets (`event_code_has_no_tickets`), "
     "tickets of the code's event (`unknown_ticket`, `ticket_of_other_event`).")
def change_ticket_linkage(code_id: int):
    return _change_linkage(code_id, "add" if request.method == "POST" else "replace")


@bp.delete(LINKAGE_PATH)
@login_required
@doc("Remove tickets from a ticket-level code", errors=(400, 401, 403, 404, 422),
     raw_body=LINKAGE, raw_response=LINKAGE)
def remove_ticket_linkage(code_id: int):
    return _change_linkage(code_id, "remove")


def _change_linkage(code_id: int, mode: str) -> Response:
    """The code's tickets after `mode` (add, replace, remove) with the body's linkage."""
    actor = require_user()
    body = request_json()
    if not isinstance(body, dict) or "data" not in body:
        raise ApiError(400, "not_jsonapi", "Send {\"data\": [{\"type\": \"ticket\", ...}]}",
                       pointer="/data")
    ids = discounts.change_code_tickets(deps.db(), actor, code_id,
                                        _to_many(body["data"], "/data"), mode)
    return _linkage(ids)
