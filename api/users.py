"""Sign-up, login (Open Event's `/auth/session` too) and the user resource."""

from __future__ import annotations

from flask import Blueprint, Response, json, url_for
from marshmallow import Schema, ValidationError, fields, validate

from api import deps
from api.auth import current_user, issue_token, login_required, require_user
from api.errors import ApiError
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    parse_resource,
    request_json,
    resource,
    resource_type,
)
from api.openapi import doc
from models.accounts.signin import sign_in
from models.accounts.signin import sign_up as sign_up_user
from models.accounts.tables import User
from models.accounts.users import users_by_ids, view_user

bp = Blueprint("users", __name__)


class UserSchema(ResourceSchema):
    email = fields.Email(required=True, validate=validate.Length(max=255))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=255))
    is_admin = fields.Boolean(dump_only=True)
    allowed_usage = fields.Integer(dump_only=True)
    is_active = fields.Boolean(dump_only=True)
    email_verified_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class LoginSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)


def user_resource(user: User, viewer: User | None) -> dict:
    attrs = UserSchema.one().dump(user)
    if viewer is None or (viewer.id != user.id and not viewer.is_admin):
        attrs.pop("allowed-usage", None)
    return resource("user", user.id, attrs,
                    self_link=url_for("users.get_user_view", user_id=user.id))


# what anyone may read of another user (an event's owner, a feedback's author)
PUBLIC_USER_ATTRIBUTES = ("display-name",)


def _included_users(ids: list[int]) -> list[dict]:
    """Users named by resources the viewer may see (a feedback's author): others than
    the viewer show as id and display name only (no address, admin flag, activity or
    verification time) unless the viewer is an admin."""
    viewer = current_user()
    out = []
    for user in users_by_ids(deps.db(), ids):
        res = user_resource(user, viewer)
        if viewer is None or (viewer.id != user.id and not viewer.is_admin):
            res["attributes"] = {k: v for k, v in res["attributes"].items()
                                 if k in PUBLIC_USER_ATTRIBUTES}
        out.append(res)
    return out


resource_type("user", {}, load=_included_users)


@bp.post("/v1/users")
@doc("Sign up", type_="user", body=UserSchema, response=UserSchema, status=201,
     errors=(400, 409, 422, 429))
def sign_up():
    """A verification link goes to the address (mail is held until it is followed)."""
    attrs, _ = parse_resource("user")
    values = load_attributes(UserSchema.one(), attrs)
    user = sign_up_user(deps.db(), deps.config(), values["email"], values["password"],
                        deps.client_address(), display_name=values.get("display_name"))
    return document(user_resource(user, user), status=201)


@bp.get("/v1/users/<int:user_id>")
@login_required
@doc("A user (themselves or an admin)", type_="user", response=UserSchema, errors=(401, 403, 404))
def get_user_view(user_id: int):
    actor = require_user()
    return document(user_resource(view_user(deps.db(), actor, user_id), actor))


@bp.post("/v1/auth/login")
@bp.post("/auth/session")
@doc("Log in with email and password: returns a bearer token; 429 with Retry-After after "
     "too many failures for the account or the client address",
     errors=(400, 401, 403, 422, 429),
     raw_body=("application/json", {"type": "object", "required": ["email", "password"],
                                     "properties": {"email": {"type": "string"},
                                                    "password": {"type": "string"}}}),
     raw_response=("application/json", {
         "type": "object", "required": ["access_token", "token_type", "expires_in", "user_id"],
         "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                        "expires_in": {"type": "integer"}, "user_id": {"type": "string"}}}))
def login():
    body = request_json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send {\"email\": ..., \"password\": ...}")
    try:
        creds = LoginSchema().load(body, unknown="exclude")
    except ValidationError as exc:
        raise ApiError(422, "invalid_credentials_body",
                       "; ".join(f"{k}: {v[0]}" for k, v in exc.messages.items()),
                       pointer=f"/{next(iter(exc.messages))}") from exc
    user = sign_in(deps.db(), deps.config(), creds["email"], creds["password"],
                   deps.client_address())
    return token_response(user)


def token_response(user: User) -> Response:
    body = {"access_token": issue_token(user), "token_type": "bearer",
            "expires_in": deps.config().token_ttl_seconds, "user_id": str(user.id)}
    return Response(json.dumps(body), mimetype="application/json")
