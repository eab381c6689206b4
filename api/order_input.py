"""Parsing what clients send to /v1/orders: Open Event's two `on-site-tickets` forms,
attendee details, the strict `onsite` flag and the request fingerprint for idempotency."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import request
from marshmallow import fields, validate

from api.errors import ApiError
from api.jsonapi import ResourceSchema
from api.limits import IDS, MAX_INT
from models.ticketing.orders.idempotency import Idempotency
from models.ticketing.orders.place import ONSITE_POINTER

_DIGITS = re.compile(r"^\s*\d+\s*$")


class AttendeeInSchema(ResourceSchema):
    ticket_id = fields.Integer(required=True, validate=IDS)
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))


class OrderInSchema(ResourceSchema):
    # at least one online (422 attendees_missing otherwise); ?onsite=true reads none
    attendees = fields.List(fields.Nested(AttendeeInSchema), load_default=list,
                            metadata={"minItems": 1})
    discount_code = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    # online (pay now, the order waits `order-expiry-time`) or an offline promise
    payment_mode = fields.String(validate=validate.OneOf(["online", "bank", "cheque"]))
    # ?onsite=true: [{"id", "quantity"}] or Open Event's wrapped form, read by on_site_tickets
    on_site_tickets = fields.List(fields.Raw(metadata={"type": "object"}), load_only=True)


def is_onsite() -> bool:
    """`?onsite=true` or `?onsite=1`; anything else is a normal order."""
    return request.args.get("onsite", "").strip().lower() in ("true", "1")


def _whole(value: Any, what: str) -> int:
    """A whole number up to MAX_INT (sent as a number or digits), or a 422."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= 20 and _DIGITS.match(value):
        number = int(value)
    if number is None or number > MAX_INT:
        raise ApiError(422, "invalid_on_site_ticket", f"{what} must be a positive integer "
                       f"up to {MAX_INT}, got {value!r}"[:200], pointer=ONSITE_POINTER)
    return number


def on_site_tickets(attrs: dict[str, Any]) -> list[tuple[int, int]]:
    """`[(ticket_id, quantity)]` from `{"id", "quantity"}` elements or Open Event's
    `{"data": {"type": "on-site-ticket", "attributes": {"id", "quantity"}}}`. An empty or
    missing list is left to the service ("on-site-tickets info missing")."""
    raw = attrs.get("on-site-tickets")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ApiError(422, "invalid_on_site_tickets", "on-site-tickets must be a list",
                       pointer=ONSITE_POINTER)
    out = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("data"), dict):
            data = item["data"]
            if data.get("type", "on-site-ticket") != "on-site-ticket":
                raise ApiError(422, "invalid_on_site_ticket",
                               "on-site-tickets elements must be of type on-site-ticket",
                               pointer=ONSITE_POINTER)
            item = data.get("attributes")
        if not isinstance(item, dict) or "id" not in item or "quantity" not in item:
            raise ApiError(422, "invalid_on_site_ticket",
                           "each on-site ticket needs an id and a quantity",
                           pointer=ONSITE_POINTER)
        quantity = _whole(item["quantity"], "quantity")
        if quantity < 1:
            raise ApiError(422, "invalid_on_site_ticket", "quantity must be a positive integer",
                           pointer=ONSITE_POINTER)
        out.append((_whole(item["id"], "id"), quantity))
    return out


def idempotency() -> Idempotency | None:
    """The `Idempotency-Key` header with a fingerprint of this request (method, path,
    query and body): the same key with another request is refused."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    digest = hashlib.sha256()
    raw = request.get_data(cache=True).decode("utf-8", "replace")
    try:  # the same document with other spacing or key order is the same request
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = raw
    for part in (request.method, request.path, request.query_string.decode(), body):
        digest.update(part.encode())
        digest.update(b"\0")
    return Idempotency(key=key.strip(), fingerprint=digest.hexdigest())
