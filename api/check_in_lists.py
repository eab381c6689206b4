"""/v1/events/<id>/check-in-lists: an event's check-in lists (pretix's model), their
counters, and the desks' sync (salted hashes of codes, by cursor)."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, request, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    parse_resource,
    request_json,
    resource,
)
from api.openapi import META_ONLY, doc
from models.ticketing.checkin import lists, offline, sync
from models.ticketing.checkin.lists import ListView

bp = Blueprint("check_in_lists", __name__)
PATH = "/v1/events/<int:event_id>/check-in-lists"


class CheckInListSchema(ResourceSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    is_default = fields.Boolean(dump_only=True)
    # null: every ticket; else one or more of the event's (LIST_RULES). Not minItems 1:
    # the schema is the answer's too, and deleting a list's only ticket leaves it []
    ticket_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
                             allow_none=True, load_default=None,
                             validate=validate.Length(max=500))
    allow_re_entry = fields.Boolean(load_default=True)
    entry_after_exit = fields.Boolean(load_default=True)
    admits_pending = fields.Boolean(load_default=False)
    valid_from = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    valid_until = fields.AwareDateTime(allow_none=True, default_timezone=UTC)


# models/ticketing/checkin/lists.py (_check)
LIST_RULES = ("Rules across attributes, or on what exists, which JSON Schema cannot state "
              "(422, its `source.pointer` at the member): valid-until after valid-from "
              "(`window_reversed`); ticket-ids, unless null (every ticket), name one or more "
              "tickets of this event (`unknown_ticket`).")


def _resource(view: ListView) -> dict:
    r = view.row
    attributes = {"name": r.name, "is-default": r.is_default, "ticket-ids": view.ticket_ids,
                  "allow-re-entry": r.allow_re_entry, "entry-after-exit": r.entry_after_exit,
                  "admits-pending": r.admits_pending,
                  "valid-from": r.valid_from.isoformat() if r.valid_from else None,
                  "valid-until": r.valid_until.isoformat() if r.valid_until else None}
    return resource("check-in-list", r.id, attributes, relationships={"event": (
        "event", r.event_id)}, self_link=url_for("check_in_lists.get_list",
                                                 event_id=r.event_id, list_id=r.id))


@bp.get(PATH)
@login_required
@doc("The event's check-in lists, the default first (owner, admins, staff)",
     type_="check-in-list", response=CheckInListSchema, many=True, errors=(401, 403, 404))
def list_lists(event_id: int):
    return document([_resource(v) for v in lists.check_in_lists(deps.db(), require_user(),
                                                                event_id)])


@bp.post(PATH)
@login_required
@doc("Make a check-in list (owner or admin); ticket-ids null: every ticket",
     type_="check-in-list", body=CheckInListSchema, response=CheckInListSchema, status=201,
     errors=(400, 401, 403, 404, 409, 422), rules=LIST_RULES)
def create_list(event_id: int):
    attrs, _ = parse_resource("check-in-list")
    values = load_attributes(CheckInListSchema.one(), attrs)
    view = lists.create_check_in_list(deps.db(), require_user(), event_id, values)
    return document(_resource(view), status=201)


@bp.get(PATH + "/<int:list_id>")
@login_required
@doc("A check-in list", type_="check-in-list", response=CheckInListSchema,
     errors=(401, 403, 404))
def get_list(event_id: int, list_id: int):
    return document(_resource(lists.get_check_in_list(deps.db(), require_user(), event_id,
                                                      list_id)))


@bp.patch(PATH + "/<int:list_id>")
@login_required
@doc("Change a check-in list (owner or admin); the default list changes only its name",
     type_="check-in-list", body=CheckInListSchema, response=CheckInListSchema,
     errors=(400, 401, 403, 404, 409, 422), rules=LIST_RULES)
def update_list(event_id: int, list_id: int):
    attrs, _ = parse_resource("check-in-list", resource_id=list_id)
    values = load_attributes(CheckInListSchema.one(), attrs, partial=True)
    view = lists.update_check_in_list(deps.db(), require_user(), event_id, list_id, values)
    return document(_resource(view))


@bp.get(PATH + "/<int:list_id>/status")
@login_required
@doc("The list's counters: total, checked in, inside, per ticket type",
     raw_response=META_ONLY, errors=(401, 403, 404))
def list_status(event_id: int, list_id: int):
    st = lists.list_status(deps.db(), require_user(), event_id, list_id)
    return document(None, meta={"total": st.total, "checked-in": st.checked_in,
                                "inside": st.inside, "tickets": [
                                    {"id": str(t), "name": n, "total": total,
                                     "checked-in": ci, "inside": ins}
                                    for t, n, total, ci, ins in st.by_ticket]})


@bp.get(PATH + "/<int:list_id>/sync")
@login_required
@doc("A desk's copy of the list: the attendees changed since the cursor `since` (salted "
     "hashes of their codes, name, ticket, state), the new cursor, `more` while pages wait",
     raw_response=META_ONLY, errors=(401, 403, 404, 422))
def sync_list(event_id: int, list_id: int):
    page = sync.sync_list(deps.db(), require_user(), event_id, list_id,
                          request.args.get("since"))
    return document(None, meta=sync_meta(page))


def sync_meta(page: sync.SyncPage) -> dict:
    """A sync page as the desks read it (the API's and the door page's)."""
    view = page.list
    return {"list": _resource(view), "salt": view.row.salt, "reset": page.reset,
            "tickets": {str(k): v for k, v in page.tickets.items()},
            "attendees": page.attendees, "cursor": str(page.cursor), "more": page.more}


# what parse_offline_scans reads (models/ticketing/checkin/offline.py)
SCANS_BODY = ("application/json", {"type": "object", "required": ["scans"], "properties": {
    "scans": {"type": "array", "maxItems": offline.MAX_UPLOAD, "items": {
        "type": "object", "required": ["attendee", "nonce", "scanned-at"], "properties": {
            "attendee": {"type": "integer", "minimum": 1,
                         "maximum": offline.MAX_ATTENDEE_ID},
            "nonce": {"type": "string", "pattern": offline.NONCE.pattern},
            "scanned-at": {"type": "string", "format": "date-time"},
            "device-name": {"type": "string", "nullable": True, "minLength": 1,
                            "maxLength": 255}}}}}})


@bp.post(PATH + "/<int:list_id>/scans")
@login_required
@doc("Upload scans a device decided offline on this list ({scans: [{attendee, nonce, "
     "scanned-at, device-name}]}, at most 500): kept at their scan time, a nonce counting "
     "once; each answered recorded, replayed, double_entry, refused_after_admitted or "
     "unknown_attendee", raw_body=SCANS_BODY,
     raw_response=META_ONLY, errors=(400, 401, 403, 404, 422),
     rules="A rule on the time of the upload, which JSON Schema cannot state: no scan "
     "time later than now (give or take the clock's slack), 422 `scan_in_future`.")
def upload_scans(event_id: int, list_id: int):
    body = request_json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send {\"scans\": [...]}")
    scans = offline.parse_offline_scans(body.get("scans"))
    results = offline.record_offline_scans(deps.db(), require_user(), event_id, list_id,
                                           scans)
    return document(None, meta={"results": [{"nonce": r.nonce, "outcome": r.outcome}
                                            for r in results]})
