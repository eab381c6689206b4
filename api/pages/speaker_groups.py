"""The remote's groups (/speakers, below the cards): per group its members' states, its
own queue (previous, restart, next, play an item, move it, remove it, add to it), play
with a query or the queue, pause, resume, stop, and the guest requests waiting. Views
call the same services as /v1/speaker-groups; the status part is polled like a card's."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from api import deps
from api.pages.queue_actions import run_queue_action
from api.pages.session import render_error, signin_required
from models.accounts.tables import User
from models.core.errors import DomainError
from models.speakers import group_queue as queues
from models.speakers import guests
from models.speakers.groups import (
    command_speaker_group,
    group_member_speakers,
    view_speaker_group,
)

bp = Blueprint("speaker_group_pages", __name__, url_prefix="/speakers/groups")


def _status(user: User, group_id: int, status: int = 200, *, clear_error: bool = False):
    db = deps.db()
    view = view_speaker_group(db, user, group_id)
    members = group_member_speakers(db, user, group_id)  # an admin: another owner's too
    link, requests = guests.view_guest_requests(db, user, guests.Target(group_id=group_id))
    return render_template("speakers/_group_status.html", group=view.group, members=members,
                           queue=queues.view_group_queue(db, user, group_id), link=link,
                           pending=[r for r in requests if r.status == "pending"],
                           clear_error=clear_error), status


def _refused(exc: DomainError, group_id: int):
    body, status = render_error(exc)
    return body, status, {"HX-Retarget": f"#group-error-{group_id}"}


@bp.get("/<int:group_id>/status")
@signin_required
def status(user: User, group_id: int):
    return _status(user, group_id)


@bp.post("/<int:group_id>/<any(play, pause, resume, stop):command>")
@signin_required
def command(user: User, group_id: int, command: str):
    """A command for every member; a play with no query plays the group's queue."""
    query = (request.form.get("query") or "").strip() or None
    try:
        if command == "play" and query is None:
            queues.jump_in_group_queue(deps.db(), user, group_id, "queue")
        else:
            command_speaker_group(deps.db(), user, group_id, command, query=query)
    except DomainError as exc:
        return _refused(exc, group_id)
    return _status(user, group_id, 202, clear_error=True)


@bp.post("/<int:group_id>/queue/<action>")
@bp.post("/<int:group_id>/queue/<int:item_id>/<action>")
@signin_required
def queue_action(user: User, group_id: int, action: str, item_id: int | None = None):
    """The group's queue (api/pages/queue_actions.py); a guest request's approve or
    reject (`item_id` its id)."""
    try:
        run_queue_action(queues.GROUP_QUEUE, deps.db(), user, group_id,
                         guests.Target(group_id=group_id), action, item_id)
    except DomainError as exc:
        return _refused(exc, group_id)
    return _status(user, group_id, clear_error=True)
