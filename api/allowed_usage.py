"""/v1/admin/users/<id>/allowed-usage: admins add badge usage to a user (atomic increment)."""

from __future__ import annotations

from flask import Blueprint
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import ResourceSchema, document, load_attributes, parse_resource
from api.openapi import doc
from api.users import user_resource
from models.badges.usage import MAX_TOP_UP, add_allowed_usage, require_admin

bp = Blueprint("allowed_usage", __name__)


class AllowedUsageSchema(ResourceSchema):
    allowed_usage = fields.Integer(required=True, strict=True,
                                   validate=validate.Range(min=1, max=MAX_TOP_UP))


@bp.post("/v1/admin/users/<int:user_id>/allowed-usage")
@login_required
@doc("Add allowed usage to a user (admins only)", type_="user-allowed-usage",
     body=AllowedUsageSchema, errors=(400, 401, 403, 404, 409, 422))
def top_up(user_id: int):
    actor = require_user()
    require_admin(actor)  # before reading the body: non-admins learn nothing more
    attrs, _ = parse_resource("user-allowed-usage")
    n = load_attributes(AllowedUsageSchema.one(), attrs)["allowed_usage"]
    return document(user_resource(add_allowed_usage(deps.db(), actor, user_id, n), actor))
