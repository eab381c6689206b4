"""The door desk (/door/<event id>): setup (Entry or Exit, a device name and a check-in
list kept in cookies), one input for scans and search, the result card and the counters.
Scans are POSTed by static/door.js with a nonce each (its retry queue resends them); the
check-in service makes a resent nonce return the first scan. Offline, the desk decides
itself (api/pages/door_offline.py, static/door-offline.js)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from api import deps
from api.pages.session import signin_required
from models.accounts.tables import User
from models.badges.door_print import print_door_badge
from models.core.errors import Invalid
from models.ticketing.checkin import desk as door
from models.ticketing.checkin.lists import ListView, check_in_lists, list_status

bp = Blueprint("door", __name__, url_prefix="/door/<int:event_id>")

MODES = ("entry", "exit")
DEVICE_COOKIE, MODE_COOKIE, LIST_COOKIE = "door_device", "door_mode", "door_list"
COOKIE_AGE = 365 * 24 * 3600
MAX_DEVICE_NAME = 255
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _device() -> tuple[str | None, str]:
    """(device name, mode) from the cookies the setup set; a name the setup would not
    have set counts as none, so the desk asks again."""
    mode, device = request.cookies.get(MODE_COOKIE), request.cookies.get(DEVICE_COOKIE)
    if device is not None and not 1 <= len(device) <= MAX_DEVICE_NAME:
        device = None
    return device, mode if mode in MODES else "entry"


def desk_list(user: User, event_id: int) -> ListView:
    """The list this desk scans on (a cookie the setup set): the default list when none,
    or one that is no longer a list of this event."""
    views = check_in_lists(deps.db(), user, event_id)
    chosen = request.cookies.get(LIST_COOKIE, "")
    return next((v for v in views if str(v.row.id) == chosen), views[0])


def _nonce() -> str:
    nonce = request.form.get("nonce", "")
    if not NONCE.match(nonce):
        raise Invalid("Each scan needs a nonce of 8 to 64 letters, digits, - or _",
                      code="invalid_nonce", pointer="/nonce")
    return nonce


@bp.get("")
@signin_required
def desk(user: User, event_id: int):
    event_name = door.open_door(deps.db(), user, event_id)
    device, mode = _device()
    if device is None or request.args.get("setup"):
        return _setup_page(user, event_id, event_name, device or "", mode, None)
    chosen = desk_list(user, event_id)
    return render_template("door/desk.html", event_id=event_id, event_name=event_name,
                           device=device, mode=mode, check_in_list=chosen.row,
                           counts=list_status(deps.db(), user, event_id, chosen.row.id))


def _setup_page(user: User, event_id: int, event_name: str, device: str, mode: str,
                error: str | None):
    return render_template("door/setup.html", event_id=event_id, event_name=event_name,
                           device=device, mode=mode, error=error,
                           lists=check_in_lists(deps.db(), user, event_id),
                           chosen=desk_list(user, event_id).row.id,
                           secure=request.is_secure or request.host.split(":")[0] in (
                               "localhost", "127.0.0.1"))


@bp.post("/setup")
@signin_required
def setup(user: User, event_id: int):
    event_name = door.open_door(deps.db(), user, event_id)
    device = " ".join(request.form.get("device_name", "").split())
    mode = request.form.get("mode", "")
    list_id = request.form.get("check_in_list", "")
    error = None
    if list_id not in {str(v.row.id) for v in check_in_lists(deps.db(), user, event_id)}:
        error = "Choose a check-in list"
    elif mode not in MODES:
        error = "Choose Entry or Exit"
    elif not 1 <= len(device) <= MAX_DEVICE_NAME:
        error = f"Give this device a name (1 to {MAX_DEVICE_NAME} characters)"
    if error:
        return _setup_page(user, event_id, event_name, device, mode, error), 422
    response = make_response(redirect(url_for(".desk", event_id=event_id)))
    for name, value in ((DEVICE_COOKIE, device), (MODE_COOKIE, mode), (LIST_COOKIE, list_id)):
        response.set_cookie(name, value, max_age=COOKIE_AGE, path=f"/door/{event_id}",
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/counts")
@signin_required
def counts(user: User, event_id: int):
    """The desk's list's counters: the attendees it admits."""
    return render_template("door/_counts.html", counts=list_status(
        deps.db(), user, event_id, desk_list(user, event_id).row.id))


@bp.get("/search")
@signin_required
def search(user: User, event_id: int):
    cards = door.search_attendees(deps.db(), user, event_id, request.args.get("q", ""))
    return render_template("door/_search.html", cards=cards, event_id=event_id,
                           mode=_device()[1], query=request.args.get("q", "").strip())


def _scanned(scans: list[door.DoorScan], event_id: int, **extra):
    return render_template("door/_result.html", scans=scans, event_id=event_id, **extra)


@bp.post("/scan")
@signin_required
def scan(user: User, event_id: int):
    device, mode = _device()
    result = door.scan_at_door(deps.db(), user, event_id, request.form.get("code", ""),
                               kind=mode, device_name=device, nonce=_nonce(),
                               list_id=desk_list(user, event_id).row.id)
    return _scanned([result], event_id)


@bp.post("/attendees/<int:attendee_id>/<any(entry, exit):kind>")
@signin_required
def scan_attendee(user: User, event_id: int, attendee_id: int, kind: str):
    result = door.scan_attendee(deps.db(), user, event_id, attendee_id, kind=kind,
                                device_name=_device()[0], nonce=_nonce(),
                                list_id=desk_list(user, event_id).row.id)
    return _scanned([result], event_id)


@bp.post("/attendees/<int:attendee_id>/order")
@signin_required
def check_in_order(user: User, event_id: int, attendee_id: int):
    results = door.check_in_order(deps.db(), user, event_id, attendee_id,
                                  device_name=_device()[0], nonce=_nonce(),
                                  list_id=desk_list(user, event_id).row.id)
    return _scanned(results, event_id, whole_order=True)


@bp.get("/attendees/<int:attendee_id>/badge.pdf")
@signin_required
def print_badge(user: User, event_id: int, attendee_id: int):
    """The attendee's badge alone, shown inline: the browser's viewer prints it."""
    pdf = print_door_badge(deps.db(), user, event_id, attendee_id)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{attendee_id}.pdf"'})
