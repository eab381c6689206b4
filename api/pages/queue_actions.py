"""A queue's actions from a remote card, a speaker's or a group's (the same services as
/v1/speakers/<id>/queue and /v1/speaker-groups/<id>/queue), and the guest requests'
approve or reject."""

from __future__ import annotations

from flask import request

from models.accounts.tables import User
from models.core.db import Database
from models.core.errors import NotFound
from models.speakers import guests
from models.speakers.queue import QueueService


def form_int(name: str) -> int | str | None:
    """The form field `name` as a whole number; anything else as sent (the service
    answers 422 for it)."""
    raw = request.form.get(name)
    return int(raw) if raw is not None and raw.isdigit() else raw


def run_queue_action(queue: QueueService, db: Database, user: User, owner_id: int,
                     target: int | guests.Target, action: str, item_id: int | None) -> None:
    """add (`query`), remove, move (to `position`), play an item, next, previous,
    restart; approve or reject a guest request of `target` (`item_id` its id). Raises the
    services' DomainError; NotFound for an unknown action."""
    if action == "add":
        queue.add(db, user, owner_id, request.form.get("query"))
    elif action == "remove" and item_id is not None:
        queue.remove(db, user, owner_id, item_id)
    elif action == "move" and item_id is not None:
        queue.move(db, user, owner_id, item_id, form_int("position"))
    elif action == "play" and item_id is not None:
        queue.jump(db, user, owner_id, "item", item_id)
    elif action in ("next", "previous", "restart"):
        queue.jump(db, user, owner_id, action)
    elif action in ("approve", "reject") and item_id is not None:
        guests.decide_guest_request(db, user, target, item_id, action == "approve")
    else:
        raise NotFound("No such queue action", code="not_found")
