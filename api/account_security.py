"""Logout, password change, address verification and deactivation: the ways a token
stops speaking for a user, and the link that lets mail go to them."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from marshmallow import Schema, ValidationError, fields

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError, status_of
from api.jsonapi import document, request_json
from api.openapi import doc
from api.users import token_response, user_resource
from models.accounts.signin import login_limits
from models.accounts.throttle import check_limits, count_failure
from models.accounts.tokens import change_password, revoke_tokens, set_user_active
from models.accounts.users import MIN_PASSWORD_LENGTH
from models.accounts.verification import VERIFY_PATH, verify_email
from models.core.errors import DomainError, Unauthorized

bp = Blueprint("account_security", __name__)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)


def _body(schema: Schema) -> dict:
    body = request_json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send a JSON object")
    try:
        return schema.load(body, unknown="exclude")
    except ValidationError as exc:
        member = next(iter(exc.messages))
        raise ApiError(422, "invalid_body", f"{member}: {exc.messages[member][0]}",
                       pointer=f"/{member}") from exc


@bp.post("/v1/auth/logout")
@login_required
@doc("Log out everywhere: every token of the user issued so far is refused from now on",
     status=204, errors=(401,))
def logout():
    revoke_tokens(deps.db(), require_user().id)
    return Response(status=204)


@bp.post("/v1/auth/password")
@login_required
@doc("Change the password ({current_password, new_password}): every token issued before "
     "is revoked; returns a new one", errors=(400, 401, 422, 429),
     raw_body=("application/json", {
         "type": "object", "required": ["current_password", "new_password"], "properties": {
             "current_password": {"type": "string"},
             "new_password": {"type": "string", "minLength": MIN_PASSWORD_LENGTH}}}))
def new_password():
    user = require_user()
    values = _body(PasswordChangeSchema())
    # guessing the current password with a stolen token is throttled like signing in
    limits = login_limits(deps.config(), user.email, deps.client_address())
    check_limits(deps.db(), limits)
    try:
        changed = change_password(deps.db(), user, values["current_password"],
                                  values["new_password"])
    except Unauthorized:
        count_failure(deps.db(), limits)
        raise
    return token_response(changed)


@bp.get(VERIFY_PATH)
@doc("The page of the link mailed at sign-up (?token=): a button that verifies. The GET "
     "itself verifies nothing (mail scanners prefetch links)",
     raw_response=("text/html", {"type": "string"}))
def verify_address_page():
    return render_template("verify_email.html", action=VERIFY_PATH,
                           token=request.args.get("token", ""))


@bp.post(VERIFY_PATH)
@doc("Verify the address with the token of the link mailed at sign-up ({token}, or the "
     "page's form); mail held for it goes out. A token works once: again it is 409 "
     "verification_token_used", type_="user", errors=(400, 409, 422),
     raw_body=("application/json", {"type": "object", "required": ["token"], "properties": {
         "token": {"type": "string", "minLength": 1}}}))
def verify_address():
    if request.mimetype == "application/x-www-form-urlencoded":
        return _verify_from_page(request.form.get("token", ""))
    body = request_json()
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ApiError(422, "missing_token", "token is required", pointer="/token")
    user = verify_email(deps.db(), deps.config(), token)
    return document(user_resource(user, user))


def _verify_from_page(token: str):
    try:
        user = verify_email(deps.db(), deps.config(), token)
    except DomainError as exc:
        return render_template("verify_email.html", action=VERIFY_PATH, token=token,
                               error=exc.detail), status_of(exc)
    return render_template("verify_email.html", action=VERIFY_PATH, verified=user.email)


def _set_active(user_id: int, active: bool):
    actor = require_user()
    return document(user_resource(set_user_active(deps.db(), actor, user_id, active), actor))


@bp.post("/v1/admin/users/<int:user_id>/deactivation")
@login_required
@doc("Deactivate a user (admins only): their tokens are refused at once, sign-in too",
     type_="user", errors=(401, 403, 404))
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.delete("/v1/admin/users/<int:user_id>/deactivation")
@login_required
@doc("Activate a deactivated user again (admins only); their old tokens stay revoked",
     type_="user", errors=(401, 403, 404))
def reactivate(user_id: int):
    return _set_active(user_id, True)
