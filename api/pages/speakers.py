"""The speaker remote (/speakers): one card per device the signed-in user owns, with
controls that record commands through the same service as /v1/speakers. Each card's
status part is polled (htmx, every 2 s), so changes made elsewhere show; the commands this
browser sent are kept in its session with their status (sent, done, expired)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request, session

from api import deps
from api.pages.queue_actions import form_int, run_queue_action
from api.pages.session import page_user, render_error, signin_required
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.errors import DomainError, Invalid
from models.speakers import guests, service
from models.speakers.groups import list_speaker_groups
from models.speakers.queue import SPEAKER_QUEUE
from models.speakers.remote import SentCommand, list_speakers, settle_commands
from models.speakers.tables import Speaker

bp = Blueprint("speakers", __name__, url_prefix="/speakers")
SESSION_KEY = "speaker_commands"


def _sent(speaker_id: int) -> list[SentCommand]:
    rows = session.get(SESSION_KEY, {}).get(str(speaker_id), [])
    return [SentCommand(r["id"], r["command"], datetime.fromisoformat(r["expires_at"]),
                        r["status"]) for r in rows]


def _keep(speaker_id: int, commands: list[SentCommand]) -> None:
    kept = dict(session.get(SESSION_KEY, {}))
    kept[str(speaker_id)] = [{"id": c.command_id, "command": c.command,
                              "expires_at": c.expires_at.isoformat(), "status": c.status}
                             for c in commands]
    session[SESSION_KEY] = kept


def _status(speaker: Speaker, status: int = 200, *, clear_error: bool = False):
    sent = _sent(speaker.id)
    commands = settle_commands(sent, (speaker.state or {}).get("command_id"))
    if commands != sent:
        _keep(speaker.id, commands)
    user = page_user()
    queue = SPEAKER_QUEUE.view(deps.db(), user, speaker.id)
    link, requests = guests.view_guest_requests(deps.db(), user, speaker.id)
    state = {k: (speaker.state or {}).get(k) for k in service.STATE_FIELDS}
    state["position_ms"] = service.position_at(speaker, utcnow())
    return render_template("speakers/_status.html", speaker=speaker, state=state, queue=queue,
                           link=link, pending=[r for r in requests if r.status == "pending"],
                           online=service.is_online(speaker),
                           commands=list(reversed(commands)), clear_error=clear_error), status


def _level() -> int | None:
    raw = request.form.get("level")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid("level must be an integer from 0 to 100", code="invalid_level",
                      pointer="/level") from None


@bp.get("")
@signin_required
def remote(user: User):
    speakers = list_speakers(deps.db(), user)
    return render_template("speakers/remote.html", speakers=speakers,
                           groups=list_speaker_groups(deps.db(), user))


@bp.get("/<int:speaker_id>/status")
@signin_required
def status(user: User, speaker_id: int):
    return _status(service.view_speaker(deps.db(), user, speaker_id))


@bp.post("/<int:speaker_id>/<any(play, pause, resume, stop, volume, seek):command>")
@signin_required
def command(user: User, speaker_id: int, command: str):
    try:
        issued = service.command_speaker(deps.db(), user, speaker_id, command,
                                         query=request.form.get("query"), level=_level(),
                                         position_ms=form_int("position-ms"))
    except DomainError as exc:  # shown in the card's error slot, not over its state
        return _refused(exc, speaker_id)
    _keep(speaker_id, [*_sent(speaker_id),
                       SentCommand(issued.command_id, command, issued.expires_at)])
    return _status(service.view_speaker(deps.db(), user, speaker_id), 202, clear_error=True)


def _refused(exc: DomainError, speaker_id: int):
    body, status = render_error(exc)
    return body, status, {"HX-Retarget": f"#error-{speaker_id}"}


@bp.post("/<int:speaker_id>/queue/<action>")
@bp.post("/<int:speaker_id>/queue/<int:item_id>/<action>")
@signin_required
def queue_action(user: User, speaker_id: int, action: str, item_id: int | None = None):
    """The queue from the card (api/pages/queue_actions.py); a guest request's approve or
    reject (`item_id` its id)."""
    db = deps.db()
    try:
        run_queue_action(SPEAKER_QUEUE, db, user, speaker_id, speaker_id, action, item_id)
    except DomainError as exc:
        return _refused(exc, speaker_id)
    return _status(service.view_speaker(db, user, speaker_id), clear_error=True)
