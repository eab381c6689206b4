"""The attendee resource, shared by /v1/attendees, /v1/orders and event listings."""

from __future__ import annotations

from flask import url_for
from marshmallow import ValidationError, fields, validate

from api import deps
from api.jsonapi import ResourceSchema, resource, resource_type
from models.ticketing.attendees import AttendeeView, attendees_by_ids
from models.ticketing.checkin.patch import MAX_TIMES

# Open Event names the attendee's names `firstname`/`lastname`; its clients send and read
# those, ours `first-name`/`last-name`: both are answered, both accepted.
OPEN_EVENT_NAMES = {"firstname": "first-name", "lastname": "last-name"}


def _csv_items(value: str | None) -> None:
    """Open Event's CSV members carry at most MAX_TIMES items in one change."""
    if value is not None and value.count(",") >= MAX_TIMES:
        raise ValidationError(f"At most {MAX_TIMES} comma-separated items in one change")


class AttendeeSchema(ResourceSchema):
    first_name = fields.String(validate=validate.Length(min=1, max=255))
    last_name = fields.String(validate=validate.Length(min=1, max=255))
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))
    unit = fields.Integer(dump_only=True, allow_none=True)
    checkin_secret = fields.String(dump_only=True)
    is_cancelled = fields.Boolean(dump_only=True)
    is_checked_in = fields.Boolean()
    checkin_times = fields.String(allow_none=True, validate=[
        validate.Length(max=100_000), _csv_items])
    device_name_checkin = fields.String(allow_none=True, validate=[
        validate.Length(max=100_000), _csv_items])
    is_checked_out = fields.Boolean()
    # read-only in effect (the server stamps), but bounded like the others
    checkout_times = fields.String(allow_none=True, validate=[
        validate.Length(max=100_000), _csv_items])


def our_names(attributes: dict) -> dict:
    """`attributes` with Open Event's `firstname`/`lastname` read as ours (ours win)."""
    out = dict(attributes)
    for theirs, ours in OPEN_EVENT_NAMES.items():
        if theirs in out:
            value = out.pop(theirs)
            out.setdefault(ours, value)
    return out


def attendee_resource(view: AttendeeView) -> dict:
    a = view.attendee
    attrs = AttendeeSchema.one().dump({
        "first_name": a.first_name, "last_name": a.last_name, "email": a.email, "unit": a.unit,
        "checkin_secret": a.checkin_secret, "is_cancelled": a.is_cancelled,
        "is_checked_in": a.is_checked_in, "checkin_times": view.checkin_times,
        "device_name_checkin": view.device_name_checkin, "is_checked_out": a.is_checked_out,
        "checkout_times": view.checkout_times})
    attrs.update({theirs: attrs[ours] for theirs, ours in OPEN_EVENT_NAMES.items()})
    return resource("attendee", a.id, attrs,
                    relationships={"ticket": ("ticket", a.ticket_id),
                                   "event": ("event", a.event_id),
                                   "order": ("order", a.order_id)},
                    self_link=url_for("attendees.get_attendee", attendee_id=a.id))


resource_type("attendee", {"ticket": "ticket", "event": "event", "order": "order"},
              load=lambda ids: [attendee_resource(v)
                                for v in attendees_by_ids(deps.db(), ids)])
