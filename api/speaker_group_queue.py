"""/v1/speaker-groups/<id>/queue and the group's queue commands (next, previous, restart,
clear, shuffle, repeat, an item's play; a play with no query in api/speaker_groups.py):
the group's own queue (models/speakers/group_queue.py), played on every member together.
Answers are those of a speaker's queue, with items of type group-queue-item."""

from __future__ import annotations

from flask import Blueprint, Response

from api import deps
from api.auth import login_required, require_user
from api.openapi import doc
from api.speaker_queue import ERRORS, QueueBodySchema, QueueItemSchema, command_body, queue_document
from models.speakers import group_queue as queues

bp = Blueprint("speaker_group_queue", __name__)
BASE = "/v1/speaker-groups/<int:group_id>"
TYPE = "group-queue-item"


@bp.get(BASE + "/queue")
@login_required
@doc("The group's queue in list order (owner); meta: current and playing item, repeat, "
     "shuffle, version", type_=TYPE, response=QueueItemSchema, many=True, errors=(401, 404))
def get_group_queue(group_id: int):
    return queue_document(queues.view_group_queue(deps.db(), require_user(), group_id))


@bp.post(BASE + "/queue")
@login_required
@doc("Append a song to the group's queue (`query`), or insert it at `position`",
     type_=TYPE, body=QueueBodySchema, response=QueueItemSchema, many=True, status=201,
     errors=ERRORS)
def add_to_group_queue(group_id: int):
    body = command_body()
    view, _ = queues.add_to_group_queue(deps.db(), require_user(), group_id,
                                        body.get("query"), body.get("position"))
    return queue_document(view, status=201)


@bp.delete(BASE + "/queue/<int:item_id>")
@login_required
@doc("Remove a song from the group's queue (the one playing plays to its end)", type_=TYPE,
     response=QueueItemSchema, many=True, errors=ERRORS)
def remove_from_group_queue(group_id: int, item_id: int):
    return queue_document(queues.remove_from_group_queue(deps.db(), require_user(), group_id,
                                                         item_id))


@bp.post(BASE + "/queue/<int:item_id>/move")
@login_required
@doc("Move a song to `position` in the group's list", type_=TYPE, body=QueueBodySchema,
     response=QueueItemSchema, many=True, errors=ERRORS)
def move_in_group_queue(group_id: int, item_id: int):
    return queue_document(queues.move_in_group_queue(
        deps.db(), require_user(), group_id, item_id, command_body().get("position")))


@bp.post(BASE + "/queue/<int:item_id>/play")
@login_required
@doc("Play this song of the group's queue now on every member, together", type_=TYPE,
     response=QueueItemSchema, many=True, status=202, errors=ERRORS)
def play_group_item(group_id: int, item_id: int):
    return queue_document(queues.jump_in_group_queue(deps.db(), require_user(), group_id,
                                                     "item", item_id), status=202)


def _jump_view(to: str):
    def view(group_id: int):
        return queue_document(queues.jump_in_group_queue(deps.db(), require_user(), group_id,
                                                         to), status=202)

    view.__name__ = f"{to}_in_group_queue"
    bp.add_url_rule(BASE + f"/{to}", methods=["POST"], view_func=doc(
        f"`{to}`: every member plays that song of the group's queue, together", type_=TYPE,
        response=QueueItemSchema, many=True, status=202, errors=ERRORS)(login_required(view)))


for _to in ("next", "previous", "restart"):
    _jump_view(_to)


@bp.post(BASE + "/clear")
@login_required
@doc("Empty the group's queue (the song playing plays to its end)", type_=TYPE,
     response=QueueItemSchema, many=True, errors=ERRORS)
def clear_group_queue(group_id: int):
    return queue_document(queues.clear_group_queue(deps.db(), require_user(), group_id))


@bp.post(BASE + "/shuffle")
@login_required
@doc("Shuffle the group's queue on or off (`on`: true|false)", type_=TYPE,
     body=QueueBodySchema, response=QueueItemSchema, many=True, errors=ERRORS)
def shuffle_group_queue(group_id: int):
    return queue_document(queues.set_group_queue_mode(deps.db(), require_user(), group_id,
                                                      shuffle=command_body().get("on")))


@bp.post(BASE + "/repeat")
@login_required
@doc("Repeat the group's queue: `mode` off, one or all", type_=TYPE, body=QueueBodySchema,
     response=QueueItemSchema, many=True, errors=ERRORS)
def repeat_group_queue(group_id: int):
    mode = command_body().get("mode")
    return queue_document(queues.set_group_queue_mode(
        deps.db(), require_user(), group_id, repeat=mode if mode is not None else ""))


def play_group_queue(group_id: int) -> Response:
    """A group play with no query: the group's queue from its present song."""
    return queue_document(queues.jump_in_group_queue(deps.db(), require_user(), group_id,
                                                     "queue"), status=202)
