"""/v1/speaker-groups/<id>/queue and the group's queue commands (next, previous, restart,
clear, shuffle, repeat, an item's play; a play with no query in api/speaker_groups.py):
the group's own queue (models/speakers/group_queue.py), played on every member together.
Routes and answers are those of a speaker's queue (api/speaker_queue.py queue_routes),
with items of type group-queue-item."""

from __future__ import annotations

from flask import Blueprint

from api.speaker_queue import queue_routes
from models.speakers.group_queue import GROUP_QUEUE

bp = Blueprint("speaker_group_queue", __name__)

play_group_queue = queue_routes(
    bp, "/v1/speaker-groups/<int:group_id>", "group_id", GROUP_QUEUE, "group-queue-item",
    "group_queue", "group's", together=" on every member, together", view_errors=(401, 404))
