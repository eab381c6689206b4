"""/v1/events/<id>/staff: users who accepted the owner's invitation to check attendees
in (api/invitations.py). Staff show by id and display name: their addresses are theirs."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import document, resource
from api.openapi import doc
from models.accounts.tables import User
from models.ticketing import staff

bp = Blueprint("staff", __name__)


def _member(user: User, event_id: int) -> dict:
    return resource("user", user.id, {"display-name": user.display_name},
                    self_link=url_for("staff.list_staff", event_id=event_id))


@bp.get("/v1/events/<int:event_id>/staff")
@login_required
@doc("The event's check-in staff (owner)", type_="user", many=True, errors=(401, 403, 404))
def list_staff(event_id: int):
    users = staff.list_staff(deps.db(), require_user(), event_id)
    return document([_member(u, event_id) for u in users])


@bp.delete("/v1/events/<int:event_id>/staff/<int:user_id>")
@login_required
@doc("Remove a staff member (owner), with the invitation that made them staff", status=204,
     errors=(401, 403, 404))
def remove_staff(event_id: int, user_id: int):
    staff.remove_staff(deps.db(), require_user(), event_id, user_id)
    return Response(status=204)
