"""/v1/events/<id>/staff: users the owner names to check attendees in."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError
from api.jsonapi import document, request_json, resource
from api.openapi import doc
from models.accounts.tables import User
from models.ticketing import staff

bp = Blueprint("staff", __name__)


def _member(user: User, event_id: int) -> dict:
    return resource("user", user.id, {"email": user.email, "display-name": user.display_name},
                    self_link=url_for("staff.list_staff", event_id=event_id))


@bp.get("/v1/events/<int:event_id>/staff")
@login_required
@doc("The event's check-in staff (owner)", type_="user", many=True, errors=(401, 403, 404))
def list_staff(event_id: int):
    users = staff.list_staff(deps.db(), require_user(), event_id)
    return document([_member(u, event_id) for u in users])


@bp.post("/v1/events/<int:event_id>/staff")
@login_required
@doc("Name a user staff: {\"data\": {\"type\": \"user\", \"id\": ...}}", type_="user",
     status=201, errors=(400, 401, 403, 404, 422))
def add_staff(event_id: int):
    body = request_json()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "user":
        raise ApiError(422, "invalid_linkage", "Send {\"data\": {\"type\": \"user\", \"id\": ...}}",
                       pointer="/data")
    try:
        user_id = int(str(data.get("id")))
    except ValueError as exc:
        raise ApiError(422, "invalid_linkage", "id must be an integer",
                       pointer="/data/id") from exc
    user = staff.add_staff(deps.db(), require_user(), event_id, user_id)
    return document(_member(user, event_id), status=201)


@bp.delete("/v1/events/<int:event_id>/staff/<int:user_id>")
@login_required
@doc("Remove a staff member (owner)", status=204, errors=(401, 403, 404))
def remove_staff(event_id: int, user_id: int):
    staff.remove_staff(deps.db(), require_user(), event_id, user_id)
    return Response(status=204)
