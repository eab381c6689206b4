"""/v1/speakers/<id>/queue and the queue's commands (next, previous, restart, clear,
shuffle, repeat): the queue the backend keeps per speaker (models/speakers/queue.py).

Every answer is the queue as it now stands; changes that make the device play now
(next, previous, restart, an item's play, a play with no query) answer 202.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from marshmallow import Schema, fields

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError
from api.jsonapi import ResourceSchema, document, request_json, resource
from api.openapi import doc
from models.speakers import queue as queues
from models.speakers.queue import QueueView
from models.speakers.tables import SpeakerQueueItem

bp = Blueprint("speaker_queue", __name__)
ERRORS = (400, 401, 403, 404, 409, 422)


class QueueItemSchema(ResourceSchema):
    query = fields.String(required=True)
    position = fields.Integer()
    current = fields.Boolean(dump_only=True)
    playing = fields.Boolean(dump_only=True)
    added_at = fields.AwareDateTime(dump_only=True)


class QueueBodySchema(Schema):
    """add: `query` and optional `position`; move: `position`; shuffle: `on`; repeat:
    `mode`."""

    query = fields.String()
    position = fields.Integer()
    on = fields.Boolean()
    mode = fields.String()


def command_body() -> dict:
    """`{"query": ...}` / `{"level": ...}`, plain JSON or a JSON:API document; no body is
    fine for pause, resume and stop."""
    if not request.get_data(cache=True):
        return {}
    doc_ = request_json()
    if not isinstance(doc_, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object")
    if isinstance(doc_.get("data"), dict):
        attrs = doc_["data"].get("attributes") or {}
        return attrs if isinstance(attrs, dict) else {}
    return doc_


def item_resource(view: QueueView, item: SpeakerQueueItem) -> dict:
    attrs = QueueItemSchema.one().dump({
        "query": item.query, "position": item.position, "added_at": item.added_at,
        "current": item.id == view.current_item_id, "playing": item.id == view.playing_item_id})
    if view.group_id is not None:  # a group's queue: its items are numbered apart
        return resource("group-queue-item", item.id, attrs, relationships={
            "speaker-group": ("speaker-group", view.group_id)})
    return resource("queue-item", item.id, attrs,
                    relationships={"speaker": ("speaker", view.speaker_id)})


def queue_document(view: QueueView, status: int = 200) -> Response:
    """A speaker's queue, or a group's (type group-queue-item)."""
    if view.group_id is not None:
        type_, self_link = "group-queue-item", url_for(
            "speaker_group_queue.get_group_queue", group_id=view.group_id, _external=True)
    else:
        type_, self_link = "queue-item", url_for(
            "speaker_queue.get_queue", speaker_id=view.speaker_id, _external=True)
    return document([item_resource(view, i) for i in view.items], status=status,
                    type_=type_, meta={
                        "current-item-id": view.current_item_id,
                        "playing-item-id": view.playing_item_id, "repeat": view.repeat,
                        "shuffle": view.shuffle, "version": view.version},
                    links={"self": self_link})


@bp.get("/v1/speakers/<int:speaker_id>/queue")
@login_required
@doc("The speaker's queue in list order (owner); meta: current and playing item, repeat, "
     "shuffle, version", type_="queue-item", response=QueueItemSchema, many=True,
     errors=(401, 403, 404))
def get_queue(speaker_id: int):
    return queue_document(queues.view_queue(deps.db(), require_user(), speaker_id))


@bp.post("/v1/speakers/<int:speaker_id>/queue")
@login_required
@doc("Append a song (`query`), or insert it at `position`", type_="queue-item",
     body=QueueBodySchema, response=QueueItemSchema, many=True, status=201, errors=ERRORS)
def add_to_queue(speaker_id: int):
    body = command_body()
    view, _ = queues.add_to_queue(deps.db(), require_user(), speaker_id, body.get("query"),
                                  body.get("position"))
    return queue_document(view, status=201)


@bp.delete("/v1/speakers/<int:speaker_id>/queue/<int:item_id>")
@login_required
@doc("Remove a song from the queue (the one playing plays to its end)", type_="queue-item",
     response=QueueItemSchema, many=True, errors=ERRORS)
def remove_from_queue(speaker_id: int, item_id: int):
    return queue_document(queues.remove_from_queue(deps.db(), require_user(), speaker_id,
                                                   item_id))


@bp.post("/v1/speakers/<int:speaker_id>/queue/<int:item_id>/move")
@login_required
@doc("Move a song to `position` in the list", type_="queue-item", body=QueueBodySchema,
     response=QueueItemSchema, many=True, errors=ERRORS)
def move_in_queue(speaker_id: int, item_id: int):
    return queue_document(queues.move_in_queue(deps.db(), require_user(), speaker_id, item_id,
                                               command_body().get("position")))


@bp.post("/v1/speakers/<int:speaker_id>/queue/<int:item_id>/play")
@login_required
@doc("Play this song of the queue now", type_="queue-item", response=QueueItemSchema, many=True,
     status=202, errors=ERRORS)
def play_item(speaker_id: int, item_id: int):
    return queue_document(queues.jump_in_queue(deps.db(), require_user(), speaker_id, "item",
                                               item_id), status=202)


def _jump_view(to: str):
    def view(speaker_id: int):
        return queue_document(queues.jump_in_queue(deps.db(), require_user(), speaker_id,
                                                   to), status=202)

    view.__name__ = f"{to}_in_queue"
    bp.add_url_rule(f"/v1/speakers/<int:speaker_id>/{to}", methods=["POST"], view_func=doc(
        f"`{to}`: play that song of the queue now", type_="queue-item",
        response=QueueItemSchema, many=True, status=202, errors=ERRORS)(login_required(view)))


for _to in ("next", "previous", "restart"):
    _jump_view(_to)


@bp.post("/v1/speakers/<int:speaker_id>/clear")
@login_required
@doc("Empty the queue (the song playing plays to its end)", type_="queue-item",
     response=QueueItemSchema, many=True, errors=ERRORS)
def clear_queue(speaker_id: int):
    return queue_document(queues.clear_queue(deps.db(), require_user(), speaker_id))


@bp.post("/v1/speakers/<int:speaker_id>/shuffle")
@login_required
@doc("Shuffle on or off (`on`: true|false)", type_="queue-item", body=QueueBodySchema,
     response=QueueItemSchema, many=True, errors=ERRORS)
def shuffle_queue(speaker_id: int):
    return queue_document(queues.set_queue_mode(deps.db(), require_user(), speaker_id,
                                                shuffle=command_body().get("on")))


@bp.post("/v1/speakers/<int:speaker_id>/repeat")
@login_required
@doc("Repeat `mode`: off, one or all", type_="queue-item", body=QueueBodySchema,
     response=QueueItemSchema, many=True, errors=ERRORS)
def repeat_queue(speaker_id: int):
    mode = command_body().get("mode")
    return queue_document(queues.set_queue_mode(deps.db(), require_user(), speaker_id,
                                                repeat=mode if mode is not None else ""))


def play_queue(speaker_id: int) -> Response:
    """A play with no query: the queue from its present song."""
    return queue_document(queues.jump_in_queue(deps.db(), require_user(), speaker_id,
                                               "queue"), status=202)
