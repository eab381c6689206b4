"""Guest requests: the owner's side under /v1/speakers/<id>/guest-requests and
/v1/speaker-groups/<id>/guest-requests (switch on with a mode, list, approve or reject,
ban a query, end), and the guests' public side under /guest/<token> (a phone page, its
form, and the link's QR code to print). A group's requests join the group's queue."""

from __future__ import annotations

import secrets

import segno
from flask import Blueprint, Response, render_template, request
from marshmallow import fields

from api import deps
from api.auth import login_required, require_user
from api.errors import STATUS_OF
from api.jsonapi import ResourceSchema, document, resource
from api.links import link_for
from api.openapi import doc
from api.speaker_bodies import GuestBanBodySchema, GuestModeBodySchema
from api.speaker_queue import command_body
from models.core.errors import DomainError
from models.speakers import guests
from models.speakers.tables import GuestRequest, GuestRequestLink

bp = Blueprint("guest_requests", __name__)
COOKIE = "vb_guest"
OWNER = "/v1/speakers/<int:speaker_id>/guest-requests"
GROUP_OWNER = "/v1/speaker-groups/<int:group_id>/guest-requests"


def _target(speaker_id: int | None, group_id: int | None) -> guests.Target:
    return guests.Target(speaker_id=speaker_id, group_id=group_id)


class GuestRequestSchema(ResourceSchema):
    query = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


def _link_meta(link: GuestRequestLink | None) -> dict:
    if link is None:
        return {"open": False}
    return {"open": True, "mode": link.mode,
            "url": link_for("guest_requests.guest_page", token=link.token),
            "qr-url": link_for("guest_requests.guest_qr", token=link.token)}


def _request_resource(r: GuestRequest) -> dict:
    return resource("guest-request", r.id, GuestRequestSchema.one().dump(
        {"query": r.query, "status": r.status, "created_at": r.created_at}))


def _listing(to: guests.Target) -> Response:
    link, requests = guests.view_guest_requests(deps.db(), require_user(), to)
    return document([_request_resource(r) for r in requests], type_="guest-request",
                    meta=_link_meta(link))


@bp.post(OWNER)
@bp.post(GROUP_OWNER)
@login_required
@doc("Switch guest requests on (`mode`: auto or approve); meta has the public link and "
     "its QR code", type_="guest-request", body=GuestModeBodySchema,
     response=GuestRequestSchema, many=True, errors=(401, 404, 422))
def open_requests(speaker_id: int | None = None, group_id: int | None = None):
    to = _target(speaker_id, group_id)
    guests.open_guest_requests(deps.db(), require_user(), to,
                               command_body("guest-request").get("mode"))
    return _listing(to)


@bp.get(OWNER)
@bp.get(GROUP_OWNER)
@login_required
@doc("The guest requests of the open link, waiting ones first", type_="guest-request",
     response=GuestRequestSchema, many=True, errors=(401, 404))
def list_requests(speaker_id: int | None = None, group_id: int | None = None):
    return _listing(_target(speaker_id, group_id))


@bp.delete(OWNER)
@bp.delete(GROUP_OWNER)
@login_required
@doc("End guest requests: the link is 404 from now on", status=204, errors=(401, 404))
def end_requests(speaker_id: int | None = None, group_id: int | None = None):
    guests.end_guest_requests(deps.db(), require_user(), _target(speaker_id, group_id))
    return Response(status=204)


@bp.post(OWNER + "/<int:request_id>/<any(approve, reject):decision>")
@bp.post(GROUP_OWNER + "/<int:request_id>/<any(approve, reject):decision>")
@login_required
@doc("Approve (it joins the queue) or reject a waiting request", type_="guest-request",
     response=GuestRequestSchema, errors=(401, 404, 409))
def decide(request_id: int, decision: str, speaker_id: int | None = None,
           group_id: int | None = None):
    done = guests.decide_guest_request(deps.db(), require_user(),
                                       _target(speaker_id, group_id), request_id,
                                       decision == "approve")
    return document(_request_resource(done))


@bp.post("/v1/speakers/<int:speaker_id>/guest-bans")
@bp.post("/v1/speaker-groups/<int:group_id>/guest-bans")
@login_required
@doc("Ban a query from guest requests (its waiting requests are rejected)", status=204,
     type_="guest-ban", body=GuestBanBodySchema, errors=(401, 404, 422))
def ban(speaker_id: int | None = None, group_id: int | None = None):
    guests.ban_query(deps.db(), require_user(), _target(speaker_id, group_id),
                     command_body("guest-ban").get("query"))
    return Response(status=204)


# -- the guests' side: no account, a cookie ----------------------------------------------
def _cookie() -> tuple[str, bool]:
    value = request.cookies.get(COOKIE, "")
    if 20 <= len(value) <= 64:
        return value, False
    return secrets.token_urlsafe(24), True


def _with_cookie(response: Response, cookie: str, new: bool) -> Response:
    if new:
        response.set_cookie(COOKIE, cookie, max_age=86400, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/guest/")
    return response


@bp.get("/guest/<token>")
def guest_page(token: str):
    guests.guest_link(deps.db(), token)  # 404 for an ended link
    cookie, new = _cookie()
    return _with_cookie(Response(render_template("guest/page.html", token=token)), cookie, new)


@bp.post("/guest/<token>/requests")
def guest_request(token: str):
    """A guest's request: JSON `{query}` (the page's script) or the page's form."""
    cookie, new = _cookie()
    form = request.mimetype == "application/x-www-form-urlencoded"
    query = request.form.get("query") if form else command_body().get("query")
    try:
        made = guests.request_song(deps.db(), token, cookie, deps.client_address(), query)
    except DomainError as exc:
        if not form:
            raise
        status = STATUS_OF.get(type(exc), 422)
        page = render_template("guest/page.html", token=token, error=exc.detail)
        return _with_cookie(Response(page, status=status), cookie, new)
    if form:
        page = render_template("guest/page.html", token=token, made=made)
        return _with_cookie(Response(page, status=201), cookie, new)
    return _with_cookie(document(_request_resource(made), status=201), cookie, new)


@bp.get("/guest/<token>/qr.svg")
def guest_qr(token: str):
    guests.guest_link(deps.db(), token)
    svg = segno.make(link_for("guest_requests.guest_page", token=token), error="m").svg_inline(
        scale=8)
    return Response(svg, mimetype="image/svg+xml")
