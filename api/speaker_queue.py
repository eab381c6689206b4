"""/v1/speakers/<id>/queue and the queue's commands (next, previous, restart, clear,
shuffle, repeat): the queue the backend keeps per speaker (models/speakers/queue.py).
A group's own queue (api/speaker_group_queue.py) has the same routes, made by
queue_routes below.

Every answer is the queue as it now stands; changes that make the device play now
(next, previous, restart, an item's play, a play with no query) answer 202.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request, url_for
from marshmallow import fields

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError
from api.jsonapi import ResourceSchema, document, parse_resource, request_json, resource
from api.openapi import doc
from api.speaker_bodies import (
    QueueAddBodySchema,
    QueueMoveBodySchema,
    RepeatBodySchema,
    ShuffleBodySchema,
)
from models.speakers.queue import SPEAKER_QUEUE, QueueService, QueueView
from models.speakers.tables import SpeakerQueueItem

bp = Blueprint("speaker_queue", __name__)
ERRORS = (400, 401, 403, 404, 409, 422)


class QueueItemSchema(ResourceSchema):
    query = fields.String(required=True)
    position = fields.Integer()
    current = fields.Boolean(dump_only=True)
    playing = fields.Boolean(dump_only=True)
    added_at = fields.AwareDateTime(dump_only=True)


def command_body(type_: str | None = None) -> dict:
    """The members of a command's or a queue change's body (`{"query": ...}`,
    `{"level": ...}`): a body with a `data` member is a JSON:API document of resource
    type `type_`, checked as every resource document is (api/jsonapi parse_resource: 400,
    409 on another type); one without is the members alone, in plain JSON
    (api/speaker_bodies.py documents both). No body is fine where none is needed (pause,
    a play of the queue). `type_` None (the guests' page): any document's attributes."""
    if not request.get_data(cache=True):
        return {}
    doc_ = request_json()
    if not isinstance(doc_, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object")
    if type_ is not None and "data" in doc_:
        return parse_resource(type_)[0]
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


def queue_routes(bp: Blueprint, base: str, key: str, queue: QueueService, type_: str,
                 kind: str, whose: str, *, together: str = "",
                 view_errors: tuple[int, ...] = ERRORS) -> Callable[[int], Response]:
    """The queue routes under `base` (whose id is named `key`) on `queue`'s
    services, documented with items of `type_`: endpoints named for `kind` (get_queue,
    get_group_queue), summaries saying `whose` queue and how its songs play
    (`together`). Returns the play with no query (the queue from its present song), for
    the play command's route."""
    def route(rule: str, name: str, summary: str, view: Callable, *, method: str = "POST",
              status: int = 200, body: type | None = None,
              errors: tuple[int, ...] = ERRORS) -> None:
        def bound(**ids: int) -> Response:  # the base's id, whatever its name, first
            return view(ids.pop(key), **ids)

        bound.__name__ = name
        bp.add_url_rule(base + rule, methods=[method], view_func=doc(
            summary, type_=type_, body=body,
            response=QueueItemSchema, many=True, status=status, errors=errors)(
            login_required(bound)))

    def answer(change: Callable[..., QueueView], *args, status: int = 200, **kw) -> Callable:
        def view(owner_id: int, item_id: int | None = None) -> Response:
            item = () if item_id is None else (item_id,)
            given = {k: v() for k, v in kw.items()}
            return queue_document(change(deps.db(), require_user(), owner_id, *args, *item,
                                         **given), status=status)
        return view

    def add(owner_id: int) -> Response:
        body = command_body(type_)
        view, _ = queue.add(deps.db(), require_user(), owner_id, body.get("query"),
                            body.get("position"))
        return queue_document(view, status=201)

    def moved(owner_id: int, item_id: int) -> Response:
        return queue_document(queue.move(deps.db(), require_user(), owner_id, item_id,
                                         command_body(type_).get("position")))

    def repeat_mode() -> str:
        mode = command_body(type_).get("mode")
        return mode if mode is not None else ""

    route("/queue", f"get_{kind}", f"The {whose} queue in list order (owner); meta: current "
          "and playing item, repeat, shuffle, version", answer(queue.view), method="GET",
          errors=view_errors)
    route("/queue", f"add_to_{kind}", f"Append a song to the {whose} queue (`query`), or "
          "insert it at `position` (409 `position_past_end` past the queue's end)", add,
          status=201, body=QueueAddBodySchema)
    route("/queue/<int:item_id>", f"remove_from_{kind}", f"Remove a song from the {whose} "
          "queue (the one playing plays to its end)", answer(queue.remove), method="DELETE")
    route("/queue/<int:item_id>/move", f"move_in_{kind}",
          f"Move a song to `position` in the {whose} list (409 `position_past_end` past "
          "its end)", moved, body=QueueMoveBodySchema)
    for to in ("item", "next", "previous", "restart"):
        rule = "/queue/<int:item_id>/play" if to == "item" else f"/{to}"
        what = "this song" if to == "item" else f"`{to}`: that song"
        route(rule, f"play_{to}_in_{kind}", f"Play {what} of the {whose} queue now"
              f"{together}", answer(queue.jump, to, status=202), status=202)
    route("/clear", f"clear_{kind}", f"Empty the {whose} queue (the song playing plays to "
          "its end)", answer(queue.clear))
    route("/shuffle", f"shuffle_{kind}", f"Shuffle the {whose} queue on or off (`on`: "
          "true|false)", answer(queue.set_mode,
                                shuffle=lambda: command_body(type_).get("on")),
          body=ShuffleBodySchema)
    route("/repeat", f"repeat_{kind}", f"Repeat the {whose} queue: `mode` off, one or all",
          answer(queue.set_mode, repeat=repeat_mode), body=RepeatBodySchema)

    def play_queue(owner_id: int) -> Response:
        return queue_document(queue.jump(deps.db(), require_user(), owner_id, "queue"),
                              status=202)
    return play_queue


play_queue = queue_routes(bp, "/v1/speakers/<int:speaker_id>", "speaker_id", SPEAKER_QUEUE,
                          "queue-item", "queue", "speaker's", view_errors=(401, 403, 404))
