"""/v1/orders: online and onsite (`?onsite=true`) orders, idempotent with `Idempotency-Key`."""

from __future__ import annotations

from flask import Blueprint, url_for
from marshmallow import fields, validate

from api import deps
from api.attendee_resource import AttendeeSchema, attendee_resource
from api.auth import login_required, require_user, signed_in, token_required
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
from api.openapi import META_ONLY, doc
from api.order_identifier import order_id_of
from api.order_input import OrderInSchema, idempotency, is_onsite, on_site_tickets
from api.order_tickets import tickets_pdf_response
from models.ticketing.attendees import AttendeeView
from models.ticketing.orders import event_orders
from models.ticketing.orders.complete import change_order_status
from models.ticketing.orders.place import AttendeeDetails, place_onsite_order, place_order
from models.ticketing.orders.read import PlacedOrder, get_order
from models.ticketing.orders.throttle import order_limits
from models.ticketing.tables import Order
from models.ticketing.tickets.pdf import order_tickets_pdf
from models.ticketing.tickets.resend import resend_tickets

bp = Blueprint("orders", __name__)


class OrderSchema(ResourceSchema):
    identifier = fields.String(dump_only=True)  # random: what door QR codes carry
    status = fields.String(validate=validate.OneOf(["completed", "cancelled"]))
    payment_mode = fields.String(dump_only=True)
    amount = fields.Float(dump_only=True)
    currency = fields.String(dump_only=True)  # ISO 4217, the event's when it was placed
    discount_amount = fields.Float(dump_only=True)
    tickets = fields.List(fields.Dict(), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expired_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    needs_refund = fields.Boolean(dump_only=True)
    # the latest mail of its tickets: {status: held|sending|sent|failed, sent-at, error}
    tickets_mail = fields.Dict(dump_only=True, allow_none=True)


class OrderStatusSchema(ResourceSchema):
    """An order PATCH's attributes: the one change it makes, so `status` is required."""

    status = fields.String(required=True, validate=validate.OneOf(["completed", "cancelled"]))


def order_resource(o: Order, placed: PlacedOrder | None = None) -> dict:
    """An order; with `placed` (its lines and attendees loaded) also its `tickets` lines
    and `attendees` relationship, which lists and compound documents leave out."""
    values = {
        "identifier": o.identifier, "status": o.status,
        "payment_mode": o.payment_mode, "amount": o.amount, "currency": o.currency,
        "discount_amount": o.discount_amount, "created_at": o.created_at,
        "completed_at": o.completed_at, "cancelled_at": o.cancelled_at,
        "expires_at": o.expires_at, "expired_at": o.expired_at}
    rels = {"event": ("event", o.event_id), "user": ("user", o.user_id),
            "discount-code": ("discount-code", o.discount_code_id),
            "completed-by": ("user", o.completed_by_id)}
    if placed is not None:
        values["needs_refund"] = placed.needs_refund
        mail = placed.tickets_mail
        values["tickets_mail"] = None if mail is None else {
            "status": mail.status, "error": mail.last_error,
            "sent-at": mail.sent_at.isoformat() if mail.sent_at else None}
        values["tickets"] = [{"id": str(ln.ticket_id), "quantity": ln.quantity,
                              "unit-price": float(ln.unit_price),
                              "discount": float(ln.discount)} for ln in placed.lines]
        rels["attendees"] = ("attendee", [a.id for a in placed.attendees])
    return resource("order", o.id, OrderSchema.one().dump(values), relationships=rels,
                    self_link=url_for("orders.get_order_view", order_id=o.id))


resource_type("order", {"event": "event", "user": "user", "attendees": "attendee"},
              load=lambda ids: [order_resource(o)
                                for o in event_orders.orders_by_ids(deps.db(), ids)])


def order_document(placed: PlacedOrder, status: int = 200):
    data = order_resource(placed.order, placed)
    headers = {"Idempotent-Replayed": "true"} if placed.replayed else None
    views = placed.views if placed.views is not None else \
        [AttendeeView(a) for a in placed.attendees]  # a new order's attendees have no scans
    included = [attendee_resource(v) for v in views]
    return document(data, status=status, included=included, headers=headers, type_="order")


@bp.post("/v1/orders")
@token_required
@doc("Place an order; ?onsite=true (owner) creates `quantity` attendees per on-site ticket",
     type_="order", body=OrderInSchema, response=OrderSchema, status=201,
     errors=(400, 401, 403, 404, 409, 422, 429),
     relationships={"event": ("event", True)},
     query=(("onsite", "`true` (or `1`): an on-site order by the event's owner, tickets "
             "from `on-site-tickets`, attendees made by the server; anything else is an "
             "online order, which needs at least one of `attendees` (422 "
             "`attendees_missing` otherwise)", {"type": "string"}),))
def create_order():
    attrs, rels = parse_resource("order")
    event_id = relationship_id(rels, "event", "event")
    # the service confirms the user in the order's own transaction (models/ticketing/
    # orders/statements.py's READ): no separate user lookup, as at the door
    (actor, version), idem = signed_in(), idempotency()
    # the attempt is counted by the service once the input is read (a malformed body
    # changes nothing), in the order's first statement
    limits = order_limits(deps.config(), actor, deps.client_address())
    if is_onsite():
        placed = place_onsite_order(deps.db(), actor, event_id, on_site_tickets(attrs),
                                    idempotency=idem, token_version=version,
                                    throttle=limits)
    else:
        values = load_attributes(OrderInSchema.one(), attrs)
        people = [AttendeeDetails(p["ticket_id"], p["first_name"], p["last_name"],
                                  p.get("email")) for p in values["attendees"]]
        placed = place_order(deps.db(), actor, event_id, people,
                             discount_code=values.get("discount_code"),
                             payment_mode=values.get("payment_mode", "online"),
                             idempotency=idem, token_version=version, throttle=limits)
    return order_document(placed, status=201)


@bp.get("/v1/orders/<int:order_id>")
@login_required
def get_order_view(order_id: int):
    """Documented as `/v1/orders/{identifier}`: OpenAPI allows one template per path."""
    return order_document(get_order(deps.db(), require_user(), order_id))


@bp.get("/v1/orders/<identifier>")
@login_required
@doc("An order with its attendees, by its identifier or id (buyer, event owner, admins)",
     type_="order", response=OrderSchema, errors=(400, 401, 403, 404), include_of="order")
def get_order_by_identifier(identifier: str):
    return order_document(get_order(deps.db(), require_user(), order_id_of(identifier)))


@bp.get("/v1/orders/<identifier>/attendees")
@login_required
@doc("An order's attendees, by order identifier or id (buyer, event owner or staff)",
     type_="attendee", response=AttendeeSchema, many=True, errors=(400, 401, 403, 404),
     include_of="attendee")
def list_order_attendees(identifier: str):
    views = event_orders.list_order_attendees(deps.db(), require_user(), order_id_of(identifier))
    return document([attendee_resource(v) for v in views], meta={"count": len(views)},
                    type_="attendee")


@bp.get("/v1/orders/<identifier>/tickets.pdf")
@login_required
@doc("A completed order's tickets, a page per attendee with its door code (buyer, event "
     "owner, admins, staff); 409 order_not_completed otherwise", errors=(400, 401, 404, 409))
def get_order_tickets(identifier: str):
    return tickets_pdf_response(order_tickets_pdf(deps.db(), require_user(),
                                                  order_id_of(identifier)))


@bp.post("/v1/orders/<identifier>/resend-tickets")
@login_required
@doc("Mail a completed order's tickets again to its buyer (buyer, event owner, admins, "
     "staff; once a minute per order): 202 with the request's id in meta",
     status=202, raw_response=META_ONLY, errors=(400, 401, 404, 409, 429))
def resend_order_tickets(identifier: str):
    request_id = resend_tickets(deps.db(), require_user(), order_id_of(identifier))
    return document(None, status=202, meta={"request-id": request_id})


@bp.get("/v1/events/<int:event_id>/orders")
@login_required
@doc("An event's orders (owner, admins, staff)", type_="order", response=OrderSchema,
     many=True, errors=(400, 401, 403, 404), list_of="order")
def list_event_orders(event_id: int):
    page = event_orders.list_event_orders(deps.db(), require_user(), event_id, *page_args(),
                                          refine=list_query("order"))
    return page_document(page, [order_resource(o) for o in page.items], type_="order")


@bp.patch("/v1/orders/<identifier>")
@login_required
@doc("Mark an order paid (status: completed, from pending or placed) or cancel it "
     "(status: cancelled, frees its capacity), by its identifier or id; event owner or "
     "admin", type_="order", body=OrderStatusSchema, response=OrderSchema,
     errors=(400, 401, 403, 404, 409, 422), partial=False)
def update_order(identifier: str):
    order_id = order_id_of(identifier)
    attrs, _ = parse_resource("order", resource_id=order_id)
    return order_document(change_order_status(deps.db(), require_user(), order_id,
                                              attrs.get("status")))
