"""/v1/badge-templates: saved badge designs (owner, optional event), and their preview:
one badge rasterised from the PDF the badges consumer would write."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
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
    resource_type,
)
from api.openapi import doc
from models.badges import designs
from models.badges.input import EXTRA_KEYS
from models.badges.tables import BadgeTemplate
from printing.template import MAX_LINES

bp = Blueprint("badge_templates", __name__)
ROW_PARAMS = ("name", "line-2", "line-3", "secret", *EXTRA_KEYS)


class BadgeTemplateSchema(ResourceSchema):
    name = fields.Raw(required=True, metadata={"description": "1-200 characters",
                                               "type": "string", "minLength": 1,
                                               "maxLength": 200})
    template = fields.Raw(required=True, metadata={
        "type": "object",
        "description": "badge-size, paper-size, margin-mm, cut-marks, fold, background-colour,"
        " background, background-image, background-images, logo, text-colour, accent-colour,"
        " lines (up to 6), qr; answers badges-per-page (what fits)"})
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


resource_type("badge-template", {"owner": "user", "event": "event"})
# printing/template.py (clean_template), which names the member in `source.pointer`
TEMPLATE_RULES = ("The template's options, checked by the renderer's rules, which the "
                  "schema does not spell out (422, `source.pointer` at the option): only "
                  "the options the template attribute lists, snake_case or dasherized "
                  "(`invalid_template`); badges-per-page from the legacy grid when no "
                  "badge-size is given; a badge-size from the sizes offered or {width-mm, "
                  "height-mm} in range (`badge_size_out_of_range`); at most "
                  f"{MAX_LINES} lines "
                  "(`too_many_lines`) that fit the badge (`badge_too_small`); images that "
                  "are your uploaded badge images (`badge_image_not_found`).")


def template_resource(row: BadgeTemplate) -> dict:
    return resource("badge-template", row.id, BadgeTemplateSchema.one().dump(row),
                    relationships={"owner": ("user", row.owner_id),
                                   "event": ("event", row.event_id)},
                    self_link=url_for("badge_templates.get_badge_template",
                                      template_id=row.id))


@bp.post("/v1/badge-templates")
@login_required
@doc("Save a badge design", type_="badge-template", body=BadgeTemplateSchema,
     response=BadgeTemplateSchema, status=201, errors=(400, 401, 403, 404, 409, 422),
     relationships={"event": ("event", False)}, rules=TEMPLATE_RULES)
def create_badge_template():
    attrs, rels = parse_resource("badge-template")
    values = load_attributes(BadgeTemplateSchema.one(), attrs)
    row = designs.create_badge_template(
        deps.db(), require_user(), name=values["name"], template=values["template"],
        event_id=relationship_id(rels, "event", "event", required=False))
    body = template_resource(row)
    return document(body, status=201, headers={"Location": body["links"]["self"]})


@bp.get("/v1/badge-templates")
@login_required
@doc("Your badge designs", type_="badge-template", response=BadgeTemplateSchema, many=True,
     errors=(401,))
def list_badge_templates():
    rows = designs.list_badge_templates(deps.db(), require_user())
    return document([template_resource(r) for r in rows])


@bp.get("/v1/badge-templates/<int:template_id>")
@login_required
@doc("A badge design (its owner)", type_="badge-template", response=BadgeTemplateSchema,
     errors=(401, 404))
def get_badge_template(template_id: int):
    return document(template_resource(
        designs.get_badge_template(deps.db(), require_user(), template_id)))


@bp.patch("/v1/badge-templates/<int:template_id>")
@login_required
@doc("Change a badge design (its owner)", type_="badge-template", body=BadgeTemplateSchema,
     response=BadgeTemplateSchema, errors=(400, 401, 404, 409, 422), rules=TEMPLATE_RULES)
def update_badge_template(template_id: int):
    attrs, _ = parse_resource("badge-template", resource_id=template_id)
    values = load_attributes(BadgeTemplateSchema.one(), attrs, partial=True)
    row = designs.update_badge_template(deps.db(), require_user(), template_id,
                                        name=values.get("name"),
                                        template=values.get("template"))
    return document(template_resource(row))


@bp.delete("/v1/badge-templates/<int:template_id>")
@login_required
@doc("Delete a badge design (its owner)", status=204, errors=(401, 404))
def delete_badge_template(template_id: int):
    designs.delete_badge_template(deps.db(), require_user(), template_id)
    return Response(status=204)


def preview_row() -> dict[str, str]:
    """The badge's row from the query (`name`, `line-2`, ...), each cut to 200 characters."""
    row = {key: request.args.get(key, "")[:200] for key in ROW_PARAMS if key in request.args}
    row.setdefault("name", "Ada Lovelace")
    return row


@bp.get("/v1/badge-templates/<int:template_id>/preview.png")
@login_required
@doc("One badge of the design as PNG (?name=&line-2=&line-3=&secret=...)",
     errors=(401, 404, 422))
def preview_badge_template(template_id: int):
    png = designs.preview_badge_template(deps.db(), require_user(), template_id,
                                         preview_row())
    return Response(png, mimetype="image/png")
