"""/v1/attendees: read, PATCH with Open Event's check-in rules, and scanner endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import fields, validate

from api import deps
from api.attendee_resource import AttendeeSchema, attendee_resource, our_names
from api.auth import login_required, require_user, signed_in, token_required
from api.errors import ApiError
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    page_args,
    page_document,
    parse_resource,
    request_json,
)
from api.list_query import list_query
from api.openapi import doc
from models.ticketing import attendees as attendee_views
from models.ticketing.checkin import patch as attendee_patch
from models.ticketing.checkin import scan as scans
from models.ticketing.checkin.lists import rules_for
from models.ticketing.checkin.scan import ScanResult

bp = Blueprint("attendees", __name__)


class ScanSchema(ResourceSchema):
    device_name = fields.String(allow_none=True, validate=validate.Length(min=1, max=255))
    nonce = fields.String(allow_none=True, validate=validate.Length(min=1, max=128))
    secret = fields.String(validate=validate.Length(min=1, max=64))
    check_in_list = fields.Integer(allow_none=True,
                                   validate=validate.Range(min=1, max=2**31 - 1))


def _scan_json(*required: str) -> tuple[str, dict]:
    """ScanSchema's members as the plain JSON object the scanners send."""
    text = {"type": "string", "minLength": 1}
    members = {"device-name": {**text, "maxLength": 255, "nullable": True},
               "nonce": {**text, "maxLength": 128, "nullable": True},
               "check-in-list": {"type": "integer", "nullable": True, "minimum": 1,
                                 "maximum": 2**31 - 1,
                                 "description": "the list scanned on (default list when null)"}}
    if "secret" in required:
        members["secret"] = {**text, "maxLength": 64}
    return "application/json", {"type": "object", "required": list(required),
                                "properties": members}


def _scan_body() -> dict[str, Any]:
    """`{device-name, nonce}` as a plain object or a JSON:API document; body optional."""
    if not request.get_data(cache=True):
        return {}
    body = request_json()
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"].get("attributes", {})
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send {\"device-name\": ..., \"nonce\": ...}")
    return load_attributes(ScanSchema.one(), {k.replace("_", "-"): v for k, v in body.items()})


def _scanned(result: ScanResult):
    scan = result.scan
    meta = {"scan": {"id": str(scan.id), "kind": scan.kind, "at": scan.at.isoformat(),
                     "device-name": scan.device_name}, "replayed": result.replayed}
    return document(attendee_resource(result.view), meta=meta)


@bp.get("/v1/attendees/<int:attendee_id>")
@login_required
@doc("An attendee (buyer, event owner or staff)", type_="attendee", response=AttendeeSchema,
     errors=(400, 401, 403, 404), include_of="attendee")
def get_attendee(attendee_id: int):
    view = attendee_views.get_attendee(deps.db(), require_user(), attendee_id)
    return document(attendee_resource(view), type_="attendee")


@bp.patch("/v1/attendees/<int:attendee_id>")
@token_required
@doc("Change an attendee; check in/out with checkin-times, device-name-checkin, "
     "is-checked-out (owner or staff). Open Event's check-out: is-checked-in false with "
     "checkin-times; a time sent again counts once; read-only attributes are ignored. "
     "Open Event's rules (422): device-name-checkin needs is-checked-in true and "
     "checkin-times, one time per device name",
     type_="attendee", body=AttendeeSchema, response=AttendeeSchema,
     errors=(400, 401, 403, 404, 409, 422), include_of="attendee")
def update_attendee(attendee_id: int):
    attrs, _ = parse_resource("attendee", resource_id=attendee_id)
    changes = load_attributes(AttendeeSchema.one(), our_names(attrs), partial=True)
    # the server stamps check-outs: Open Event's app echoes the list it was given
    changes.pop("checkout_times", None)
    actor_id, version = signed_in()
    view = attendee_patch.update_attendee(deps.db(), actor_id, attendee_id, changes,
                                          token_version=version)
    return document(attendee_resource(view), type_="attendee")


@bp.post("/v1/attendees/<int:attendee_id>/check-in")
@token_required
@doc("Scan an attendee in ({device-name, nonce}; a repeated nonce returns the first scan)",
     type_="attendee", response=AttendeeSchema, errors=(400, 401, 403, 404, 409, 422),
     raw_body=_scan_json())
def check_in(attendee_id: int):
    body = _scan_body()
    actor_id, version = signed_in()
    rules = rules_for(deps.db(), None, body.get("check_in_list"))
    return _scanned(scans.check_in_attendee(deps.db(), actor_id, attendee_id,
                                            device_name=body.get("device_name"),
                                            nonce=body.get("nonce"), token_version=version,
                                            rules=rules))


@bp.post("/v1/attendees/<int:attendee_id>/check-out")
@token_required
@doc("Scan an attendee out ({device-name, nonce})", type_="attendee",
     response=AttendeeSchema, errors=(400, 401, 403, 404, 409, 422),
     raw_body=_scan_json(), rules="A rule on the attendee's state, which JSON Schema cannot "
     "state: only an attendee inside (checked in, not out since) is scanned out; else 422 "
     "`not_checked_in`.")
def check_out(attendee_id: int):
    body = _scan_body()
    actor_id, version = signed_in()
    return _scanned(scans.check_out_attendee(deps.db(), actor_id, attendee_id,
                                             device_name=body.get("device_name"),
                                             nonce=body.get("nonce"), token_version=version))


@bp.post("/v1/check-in")
@token_required
@doc("Scan in by the QR code: `secret` is the attendee's check-in secret or "
     "`<order identifier>-<attendee id>` ({secret, device-name, nonce})",
     type_="attendee", response=AttendeeSchema, errors=(400, 401, 403, 404, 409, 422),
     raw_body=_scan_json("secret"))
def check_in_by_secret():
    body = _scan_body()
    if not body.get("secret"):
        raise ApiError(422, "missing_secret", "secret is required",
                       pointer="/data/attributes/secret")
    actor_id, version = signed_in()
    rules = rules_for(deps.db(), None, body.get("check_in_list"))
    return _scanned(scans.check_in_by_code(deps.db(), actor_id, body["secret"],
                                             device_name=body.get("device_name"),
                                             nonce=body.get("nonce"), token_version=version,
                                             rules=rules))


@bp.get("/v1/events/<int:event_id>/attendees")
@login_required
@doc("An event's attendees (owner or staff); filter[is-checked-in]=true|false",
     type_="attendee", response=AttendeeSchema, many=True, errors=(400, 401, 403, 404),
     list_of="attendee")
def list_event_attendees(event_id: int):
    raw = request.args.get("filter[is-checked-in]")
    if raw not in (None, "true", "false"):
        raise ApiError(400, "invalid_filter", "filter[is-checked-in] must be true or false",
                       parameter="filter[is-checked-in]")
    checked_in = None if raw is None else raw == "true"
    page = attendee_views.list_event_attendees(deps.db(), require_user(), event_id,
                                               checked_in, *page_args(),
                                               refine=list_query("attendee"))
    return page_document(page, [attendee_resource(v) for v in page.items], type_="attendee")
