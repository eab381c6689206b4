"""Exports of an event's attendees, orders or check-ins: ask (202, written by the exports
consumer), follow (status, row count, file link), download. Owner, admins and staff ask;
only the one who asked sees the export and its file (404 for anyone else)."""

from __future__ import annotations

from flask import Blueprint, send_file, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import ResourceSchema, document, load_attributes, parse_resource, resource
from api.links import link_for
from api.openapi import doc
from models.ticketing.exports import requests as exports
from models.ticketing.exports.tables import EXPORT_FORMATS, EXPORT_KINDS, Export

bp = Blueprint("exports", __name__)
MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ExportSchema(ResourceSchema):
    kind = fields.String(required=True, validate=validate.OneOf(EXPORT_KINDS))
    format = fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS))
    status = fields.String(dump_only=True)
    row_count = fields.Integer(dump_only=True, allow_none=True)
    size_bytes = fields.Integer(dump_only=True, allow_none=True)
    failure_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    done_at = fields.AwareDateTime(dump_only=True, allow_none=True)


def export_resource(export: Export) -> dict:
    attrs = ExportSchema.one().dump(export)
    attrs["file-url"] = (link_for("exports.get_export_file", export_id=export.id)
                         if export.status == "done" else None)
    return resource("export", export.id, attrs,
                    relationships={"event": ("event", export.event_id),
                                   "requested-by": ("user", export.requested_by_id)},
                    self_link=url_for("exports.get_export", export_id=export.id))


@bp.post("/v1/events/<int:event_id>/exports")
@login_required
@doc("Export the event's attendees, orders or check-ins as CSV or XLSX (owner or staff); "
     "written asynchronously, follow the Location", type_="export", body=ExportSchema,
     response=ExportSchema, status=202, errors=(400, 401, 403, 404, 409, 422))
def create_export(event_id: int):
    attrs, _ = parse_resource("export")
    values = load_attributes(ExportSchema.one(), attrs)
    export = exports.request_export(deps.db(), require_user(), event_id, values["kind"],
                                    values["format"])
    body = export_resource(export)
    return document(body, status=202, headers={"Location": body["links"]["self"]})


@bp.get("/v1/exports/<int:export_id>")
@login_required
@doc("An export: status, rows, file link (the one who asked, while owner or staff)",
     type_="export", response=ExportSchema, errors=(401, 404))
def get_export(export_id: int):
    return document(export_resource(exports.get_export(deps.db(), require_user(), export_id)))


@bp.get("/v1/exports/<int:export_id>/file")
@login_required
@doc("The export's file (the one who asked, while owner or staff)", errors=(401, 404, 409))
def get_export_file(export_id: int):
    export, path = exports.export_file(deps.db(), require_user(), export_id)
    return send_file(path.resolve(), mimetype=MEDIA_TYPES[export.format], as_attachment=True,
                     download_name=f"{export.kind}-{export.event_id}.{export.format}")
