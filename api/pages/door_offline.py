"""What lets the door desk decide offline: its manifest and service worker (the page and
its assets cached, so it reloads without network in a secure context), its copy of the
check-in list (the sync, by cursor), the upload of the scans it decided offline, and the
conflicts those left."""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request, url_for

from api import deps
from api.check_in_lists import sync_meta
from api.pages.door import bp, desk_list
from api.pages.session import signin_required
from models.accounts.tables import User
from models.core.errors import Invalid
from models.ticketing.checkin import conflicts as door_conflicts
from models.ticketing.checkin import offline, sync
from models.ticketing.staff import door_event

STATIC = ("pages.css", "door.js", "door-offline.js", "vendor/htmx.min.js")


@bp.get("/manifest.webmanifest")
@signin_required
def manifest(user: User, event_id: int):
    with deps.db().session() as s:
        name = door_event(s, user, event_id).name
    desk = url_for(".desk", event_id=event_id)
    body = {"name": f"Door · {name}", "short_name": "Door", "start_url": desk,
            "scope": desk, "display": "standalone", "background_color": "#ffffff",
            "theme_color": "#1d4ed8"}
    return Response(current_app.json.dumps(body), mimetype="application/manifest+json")


@bp.get("/sw.js")
@signin_required
def service_worker(user: User, event_id: int):
    with deps.db().session() as s:
        door_event(s, user, event_id)
    assets = [url_for("static", filename=f) for f in STATIC]
    script = render_template("door/sw.js", desk=url_for(".desk", event_id=event_id),
                             assets=assets)
    # the desk's page is /door/<id>, outside the script's own folder /door/<id>/; a
    # worker obeys its own script's CSP: it fetches this site, nothing else
    return Response(script, mimetype="text/javascript", headers={
        "Service-Worker-Allowed": url_for(".desk", event_id=event_id),
        "Content-Security-Policy": "default-src 'none'; connect-src 'self'"})


@bp.get("/sync")
@signin_required
def list_copy(user: User, event_id: int):
    page = sync.sync_list(deps.db(), user, event_id, desk_list(user, event_id).row.id,
                          request.args.get("since"))
    return jsonify(sync_meta(page))


@bp.post("/offline-scans")
@signin_required
def offline_scans(user: User, event_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Send {\"scans\": [...]}", code="invalid_body", pointer="/")
    scans = offline.parse_offline_scans(body.get("scans"))
    results = offline.record_offline_scans(deps.db(), user, event_id,
                                           desk_list(user, event_id).row.id, scans)
    return jsonify({"results": [{"nonce": r.nonce, "outcome": r.outcome} for r in results]})


@bp.get("/conflicts")
@signin_required
def conflicts(user: User, event_id: int):
    return render_template("door/_conflicts.html",
                           conflicts=door_conflicts.event_conflicts(deps.db(), user, event_id))
