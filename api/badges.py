"""/v1/badges: request a badge PDF (202, rendered by the badges consumer), follow its
progress and mail, download it."""

from __future__ import annotations

from flask import Blueprint, send_file, url_for
from marshmallow import fields

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    parse_resource,
    relationship_id,
    resource,
)
from api.links import link_for
from api.openapi import doc
from models.badges import requests as badges
from models.mail.tables import Mail

bp = Blueprint("badges", __name__)


class BadgeSchema(ResourceSchema):
    rows = fields.Raw(load_only=True, metadata={
        "type": "array", "items": {"type": "object"},
        "description": "[{name, line-2, line-3, secret?}]: one badge per row"})
    csv = fields.Raw(load_only=True, metadata={
        "type": "string", "description": "CSV text: name, line 2, line 3[, secret]"})
    ticket_ids = fields.Raw(load_only=True, metadata={
        "type": "array", "items": {"type": "integer"},
        "description": "with relationships.event: only attendees holding these tickets"})
    template = fields.Raw(metadata={
        "type": "object",
        "description": "the inline design, as a badge-template's template (or "
        "relationships.template)"})
    status = fields.String(dump_only=True)
    progress = fields.Integer(dump_only=True)
    count = fields.Integer(dump_only=True)
    page_count = fields.Integer(dump_only=True, allow_none=True)
    size_bytes = fields.Integer(dump_only=True, allow_none=True)
    failure_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


def _mail(mail: Mail | None) -> dict | None:
    if mail is None:
        return None
    return {"status": mail.status, "recipient": mail.recipient, "attempts": mail.attempts,
            "last-error": mail.last_error,
            "sent-at": mail.sent_at.isoformat() if mail.sent_at else None}


def badge_resource(view: badges.BadgeView) -> dict:
    badge = view.badge
    attrs = BadgeSchema.one().dump(badge)
    attrs["file-url"] = (link_for("badges.get_badge_file", badge_id=badge.id)
                         if badge.status == "generated" else None)
    attrs["mail"] = _mail(view.mail)
    return resource("badge", badge.id, attrs,
                    relationships={"owner": ("user", badge.owner_id),
                                   "event": ("event", badge.event_id)},
                    self_link=url_for("badges.get_badge", badge_id=badge.id))


@bp.post("/v1/badges")
@login_required
@doc("Request badges (one usage unit each); rendered and mailed asynchronously",
     type_="badge", body=BadgeSchema, response=BadgeSchema, status=202,
     errors=(400, 401, 403, 404, 409, 422),
     relationships={"event": ("event", False), "template": ("badge-template", False)},
     rules="Rules across attributes and relationships, or on what the text holds, which "
     "JSON Schema cannot state (422): exactly one of attributes.rows, attributes.csv or "
     "relationships.event (`one_source_required`); ticket-ids only with relationships.event "
     "(`ticket_ids_need_event`); attributes.template or relationships.template, not both "
     "(`one_template_required`); csv text that reads as badge lines (`invalid_csv`); rows "
     "with a name (`invalid_rows`, `invalid_row`, `missing_value`); an event with attendees "
     "(`no_attendees`); a template as a badge design's (`invalid_template` and the rest); "
     "names some font covers (`glyph_not_covered`).")
def create_badge():
    attrs, rels = parse_resource("badge")
    values = load_attributes(BadgeSchema.one(), attrs)
    event_id = relationship_id(rels, "event", "event", required=False)
    template_id = relationship_id(rels, "template", "badge-template", required=False)
    badge = badges.request_badges(deps.db(), require_user(), rows=values.get("rows"),
                                  csv=values.get("csv"), event_id=event_id,
                                  template=values.get("template"), template_id=template_id,
                                  ticket_ids=values.get("ticket_ids"))
    body = badge_resource(badges.BadgeView(badge=badge, mail=None))
    return document(body, status=202, headers={"Location": body["links"]["self"]})


@bp.get("/v1/badges/<int:badge_id>")
@login_required
@doc("A badge: status, progress, file link and mail status (its owner)", type_="badge",
     response=BadgeSchema, errors=(401, 404))
def get_badge(badge_id: int):
    return document(badge_resource(badges.get_badge(deps.db(), require_user(), badge_id)))


@bp.get("/v1/badges/<int:badge_id>/file")
@login_required
@doc("The badge PDF (its owner)", errors=(401, 404, 409))
def get_badge_file(badge_id: int):
    path = badges.badge_file(deps.db(), require_user(), badge_id)
    return send_file(path.resolve(), mimetype="application/pdf",
                     download_name=f"badge-{badge_id}.pdf")
