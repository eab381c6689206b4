"""Staff invitations. The owner invites an address (`POST /v1/events/<id>/
staff-invitations`); the answer is the same whether an account holds it, and the
address is mailed a signed, single-use link. The holder, signed in with that address
verified, accepts through the link (`POST /v1/staff-invitations/accept {token}`), sees
their pending invitations (`GET /v1/staff-invitations`) or declines."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
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
    resource_type,
)
from api.openapi import doc
from models.ticketing import invitations
from models.ticketing.invitation_links import ACCEPT_PATH
from models.ticketing.tables import StaffInvitation

bp = Blueprint("invitations", __name__)
TYPE = "staff-invitation"


class InvitationSchema(ResourceSchema):
    email = fields.Email(required=True, validate=validate.Length(max=255))
    status = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    responded_at = fields.AwareDateTime(dump_only=True, allow_none=True)


def invitation_resource(inv: StaffInvitation) -> dict:
    return resource(TYPE, inv.id, InvitationSchema.one().dump(inv),
                    relationships={"event": ("event", inv.event_id)},
                    self_link=url_for("invitations.list_event_invitations",
                                      event_id=inv.event_id))


resource_type(TYPE, {"event": "event"})


@bp.post("/v1/events/<int:event_id>/staff-invitations")
@login_required
@doc("Invite an email address to be staff (owner); the same answer whether an account "
     "has it; inviting again returns the invitation", type_=TYPE, body=InvitationSchema,
     response=InvitationSchema, status=201, errors=(400, 401, 403, 404, 409, 422))
def invite(event_id: int):
    attrs, _ = parse_resource(TYPE)
    email = load_attributes(InvitationSchema.one(), attrs)["email"]
    inv = invitations.invite_staff(deps.db(), require_user(), event_id, email)
    return document(invitation_resource(inv), status=201)


@bp.get("/v1/events/<int:event_id>/staff-invitations")
@login_required
@doc("The event's staff invitations, every status (owner)", type_=TYPE,
     response=InvitationSchema, many=True, errors=(401, 403, 404))
def list_event_invitations(event_id: int):
    found = invitations.list_invitations(deps.db(), require_user(), event_id)
    return document([invitation_resource(i) for i in found], type_=TYPE)


@bp.delete("/v1/events/<int:event_id>/staff-invitations/<int:invitation_id>")
@login_required
@doc("Withdraw an invitation (owner); an accepted one ends the staff role", status=204,
     errors=(401, 403, 404))
def revoke(event_id: int, invitation_id: int):
    invitations.revoke_invitation(deps.db(), require_user(), event_id, invitation_id)
    return Response(status=204)


@bp.get("/v1/staff-invitations")
@login_required
@doc("Your pending staff invitations (your address must be verified)", type_=TYPE,
     response=InvitationSchema, many=True, errors=(401, 403))
def my_invitations():
    found = invitations.my_invitations(deps.db(), require_user())
    return document([invitation_resource(i) for i in found], type_=TYPE)


@bp.get(ACCEPT_PATH)
@doc("The page of the link mailed to the invited address: how to accept it. The GET "
     "itself accepts nothing (mail scanners prefetch links)",
     raw_response=("text/html", {"type": "string"}))
def accept_page():
    return render_template("accept_invitation.html", action=ACCEPT_PATH,
                           token=request.args.get("token", ""))


@bp.post(ACCEPT_PATH)
@login_required
@doc("Accept an invitation with the token of the link mailed to its address ({token}), "
     "signed in with that address verified: you become the event's staff. A link works "
     "once", type_=TYPE, response=InvitationSchema, errors=(400, 401, 403, 404, 409, 422),
     raw_body=("application/json", {"type": "object", "required": ["token"], "properties": {
         "token": {"type": "string", "minLength": 1}}}))
def accept():
    body = request_json()
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ApiError(422, "missing_token", "token is required", pointer="/token")
    inv = invitations.accept_invitation(deps.db(), require_user(), token)
    return document(invitation_resource(inv))


@bp.post("/v1/staff-invitations/<int:invitation_id>/decline")
@login_required
@doc("Decline an invitation to your (verified) address", type_=TYPE,
     response=InvitationSchema, errors=(401, 403, 404, 409))
def decline(invitation_id: int):
    inv = invitations.decline_invitation(deps.db(), require_user(), invitation_id)
    return document(invitation_resource(inv))
