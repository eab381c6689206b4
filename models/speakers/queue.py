"""The queue the backend keeps per speaker: the source of truth every remote reads and a
rebooted device resumes.

Every change commits, in one transaction, the new list, `speaker.queue_changed` and the
whole queue for the device (`speaker.<id>.queue`, in play order). The device plays on by
itself when a song ends and says in its state which item plays (`queue_item_id`); the
backend takes that as the queue's present item for next, previous and restart.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contracts.speakers import REPEAT_MODES, SpeakerQueueChanged, new_command
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.speakers.service import _own_speaker, checked_query
from models.speakers.tables import Speaker, SpeakerQueue, SpeakerQueueItem

MAX_QUEUE_ITEMS = 500


@dataclass(frozen=True)
class QueueView:
    speaker_id: int | None  # None: a group's queue
    items: list[Any]  # in list order (`position`)
    current_item_id: int | None
    playing_item_id: int | None  # what the device last said it plays
    repeat: str
    shuffle: bool
    version: int
    group_id: int | None = None


@dataclass(frozen=True)
class QueueService:
    """A queue's services for its owner, a speaker's (SPEAKER_QUEUE) or a group's
    (models/speakers/group_queue.py GROUP_QUEUE): each takes (db, actor, the speaker's or
    group's id, ...) as view_queue, add_to_queue, ... do."""

    view: Callable[..., QueueView]
    add: Callable[..., tuple[QueueView, Any]]
    remove: Callable[..., QueueView]
    move: Callable[..., QueueView]
    clear: Callable[..., QueueView]
    set_mode: Callable[..., QueueView]
    jump: Callable[..., QueueView]


class QueueEdit:
    """One locked queue inside a unit of work: its row and its items in list order. The
    list operations below work on any queue; a subclass says what is present, how an item
    is made and removed, and what `done()` records."""

    uow: UnitOfWork
    queue: Any  # SpeakerQueue or SpeakerGroupQueue
    items: list[Any]

    def item(self, item_id: int) -> Any:
        for item in self.items:
            if item.id == item_id:
                return item
        raise NotFound("Queue item not found", code="queue_item_not_found")

    def play_order(self) -> list[Any]:
        if self.queue.shuffle:
            return sorted(self.items, key=lambda i: (i.shuffle_rank, i.position))
        return list(self.items)

    def present(self) -> Any | None:
        return next((i for i in self.items if i.id == self.queue.current_item_id), None)

    def step(self, by: int) -> Any | None:
        order, present = self.play_order(), self.present()
        if not order:
            return None
        if present is None:
            return order[0]
        index = order.index(present) + by
        if self.queue.repeat == "all":
            return order[index % len(order)]
        return order[index] if 0 <= index < len(order) else None

    def renumber(self) -> None:
        for position, item in enumerate(self.items):
            item.position = position

    def new_item(self, query: str, position: int) -> Any:
        raise NotImplementedError

    def delete_all(self) -> None:
        raise NotImplementedError

    def done(self, change: str, *, start: bool = False) -> QueueView:
        raise NotImplementedError


class _Edit(QueueEdit):
    """A speaker's queue."""

    def __init__(self, uow: UnitOfWork, actor: User | None, speaker_id: int) -> None:
        """`actor` None: the system acting for the owner (a guest request let through)."""
        self.uow, self.session = uow, uow.session
        # the speaker row's lock serialises every change of its queue
        self.speaker: Speaker = _own_speaker(self.session, actor, speaker_id, lock=True) \
            if actor is not None else self.session.get(Speaker, speaker_id, with_for_update=True)
        self.queue = self.session.get(SpeakerQueue, speaker_id) or SpeakerQueue(
            speaker_id=speaker_id, repeat="off", shuffle=False, version=0)
        self.session.add(self.queue)
        self.items = _items(self.session, speaker_id)

    def present(self) -> SpeakerQueueItem | None:
        """The item playing as the device reported it, else the queue's current one."""
        ids = {i.id: i for i in self.items}
        playing = (self.speaker.state or {}).get("queue_item_id")
        return ids.get(playing) or ids.get(self.queue.current_item_id)

    def new_item(self, query: str, position: int) -> SpeakerQueueItem:
        return SpeakerQueueItem(speaker_id=self.queue.speaker_id, position=position,
                                query=query, shuffle_rank=random.random(), added_at=utcnow())

    def delete_all(self) -> None:
        self.session.execute(delete(SpeakerQueueItem)
                             .where(SpeakerQueueItem.speaker_id == self.queue.speaker_id))

    def done(self, change: str, *, start: bool = False) -> QueueView:
        q, now = self.queue, utcnow()
        q.version += 1
        self.session.flush()
        ids = {i.id for i in self.items}
        if q.current_item_id not in ids:
            q.current_item_id = None
        self.uow.record(SpeakerQueueChanged(
            speaker_id=q.speaker_id, version=q.version, change=change,
            item_count=len(self.items), current_item_id=q.current_item_id,
            changed_at=now.isoformat()))
        self.uow.record(new_command(
            "queue", q.speaker_id, str(uuid.uuid4()), version=q.version,
            items=[{"item_id": i.id, "query": i.query} for i in self.play_order()],
            current_item_id=q.current_item_id, repeat=q.repeat, start=start))
        view = _view(self.speaker, q, self.items)
        self.uow.commit()
        return view


def _view(speaker: Speaker, queue: SpeakerQueue, items: list[SpeakerQueueItem]) -> QueueView:
    return QueueView(speaker.id, list(items), queue.current_item_id,
                     (speaker.state or {}).get("queue_item_id"), queue.repeat,
                     bool(queue.shuffle), queue.version)


def view_queue(db: Database, actor: User, speaker_id: int) -> QueueView:
    """The owner's speaker's queue in list order. NotFound for a foreign speaker."""
    with db.session() as session:
        speaker = _own_speaker(session, actor, speaker_id)
        queue = session.get(SpeakerQueue, speaker_id) or SpeakerQueue(
            speaker_id=speaker_id, repeat="off", shuffle=False, version=0)
        return _view(speaker, queue, _items(session, speaker_id))


def _items(session: Session, speaker_id: int) -> list[SpeakerQueueItem]:
    return list(session.scalars(select(SpeakerQueueItem)
                                .where(SpeakerQueueItem.speaker_id == speaker_id)
                                .order_by(SpeakerQueueItem.position, SpeakerQueueItem.id)))


def _position(value: Any, length: int) -> int:
    """`value` as a place in a list of `length + 1` places. A position no queue has
    (outside 0 .. MAX_QUEUE_ITEMS - 1) is Invalid (422); one past this queue's end is a
    Conflict (409) with the queue as it stands, which another request may have changed."""
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 0 <= value < MAX_QUEUE_ITEMS:
        raise Invalid(f"position must be an integer from 0 to {MAX_QUEUE_ITEMS - 1}",
                      code="invalid_position", pointer="/position")
    if value > length:
        raise Conflict(f"position must be from 0 to {length} in this queue",
                       code="position_past_end", pointer="/position")
    return value


def add_to_queue(db: Database, actor: User, speaker_id: int, query: Any,
                 position: Any = None) -> tuple[QueueView, SpeakerQueueItem]:
    """Append `query` (checked as a play query: 422 invalid_query), or insert it at
    `position`. 409 queue_full past MAX_QUEUE_ITEMS. The first item becomes current."""
    query = checked_query(db, query)
    with UnitOfWork(db) as uow:
        return append_to_queue(uow, actor, speaker_id, query, position)


def append_to_queue(uow: UnitOfWork, actor: User | None, speaker_id: int, query: str,
                    position: Any = None) -> tuple[QueueView, SpeakerQueueItem]:
    """add_to_queue inside the caller's unit of work (commits it), `query` already
    checked; `actor` None for the system."""
    return insert_item(_Edit(uow, actor, speaker_id), query, position)


def insert_item(edit: QueueEdit, query: str, position: Any = None) -> tuple[QueueView, Any]:
    if len(edit.items) >= MAX_QUEUE_ITEMS:
        raise Conflict(f"a queue holds at most {MAX_QUEUE_ITEMS} songs", code="queue_full")
    at = len(edit.items) if position is None else _position(position, len(edit.items))
    item = edit.new_item(query, at)
    edit.items.insert(at, item)
    edit.uow.session.add(item)
    edit.renumber()
    edit.uow.session.flush()
    if edit.queue.current_item_id is None:
        edit.queue.current_item_id = item.id
    return edit.done("added"), item


def remove_item(edit: QueueEdit, item_id: int) -> QueueView:
    item = edit.item(item_id)
    if edit.present() is item:
        following = edit.step(1)
        edit.queue.current_item_id = None if following is item else getattr(
            following, "id", None)
    edit.items.remove(item)
    edit.uow.session.delete(item)
    edit.renumber()
    return edit.done("removed")


def move_item(edit: QueueEdit, item_id: int, position: Any) -> QueueView:
    item = edit.item(item_id)
    at = _position(position, len(edit.items) - 1)
    edit.items.remove(item)
    edit.items.insert(at, item)
    edit.renumber()
    return edit.done("moved")


def clear_items(edit: QueueEdit) -> QueueView:
    edit.delete_all()
    edit.items = []
    edit.queue.current_item_id = None
    return edit.done("cleared")


def set_mode(edit: QueueEdit, *, shuffle: Any = None, repeat: Any = None) -> QueueView:
    if repeat is not None:
        if repeat not in REPEAT_MODES:
            raise Invalid("mode must be off, one or all", code="invalid_repeat",
                          pointer="/mode")
        edit.queue.repeat = repeat
        return edit.done("repeat")
    if not isinstance(shuffle, bool):
        raise Invalid("on must be true or false", code="invalid_shuffle", pointer="/on")
    edit.queue.shuffle = shuffle
    if shuffle:
        for item in edit.items:
            item.shuffle_rank = random.random()
    return edit.done("shuffled")


def jump(edit: QueueEdit, to: str, item_id: int | None = None) -> QueueView:
    if to == "item":
        target = edit.item(int(item_id or 0))
    elif to in ("next", "previous"):
        target = edit.step(1 if to == "next" else -1)
        if target is None and to == "previous" and edit.items:
            target = edit.present() or edit.play_order()[0]
    else:  # restart, queue
        target = edit.present() or (edit.play_order() or [None])[0]
    if target is None:
        raise Conflict("the queue has no song there", code="queue_empty")
    edit.queue.current_item_id = target.id
    return edit.done("jumped", start=True)


def remove_from_queue(db: Database, actor: User, speaker_id: int, item_id: int) -> QueueView:
    """Remove an item. The song playing plays to its end; the queue then goes on with the
    item that followed the removed one."""
    with UnitOfWork(db) as uow:
        return remove_item(_Edit(uow, actor, speaker_id), item_id)


def move_in_queue(db: Database, actor: User, speaker_id: int, item_id: int,
                  position: Any) -> QueueView:
    """Move an item to `position` (0 .. length-1) in the list."""
    with UnitOfWork(db) as uow:
        return move_item(_Edit(uow, actor, speaker_id), item_id, position)


def clear_queue(db: Database, actor: User, speaker_id: int) -> QueueView:
    """Empty the queue; the song playing plays to its end."""
    with UnitOfWork(db) as uow:
        return clear_items(_Edit(uow, actor, speaker_id))


def set_queue_mode(db: Database, actor: User, speaker_id: int, *, shuffle: Any = None,
                   repeat: Any = None) -> QueueView:
    """Shuffle on (a new random play order) or off (list order); repeat off|one|all."""
    with UnitOfWork(db) as uow:
        return set_mode(_Edit(uow, actor, speaker_id), shuffle=shuffle, repeat=repeat)


def jump_in_queue(db: Database, actor: User, speaker_id: int, to: str,
                  item_id: int | None = None) -> QueueView:
    """Play now: `item` (item_id), `next`, `previous`, `restart` (the present item from
    its start) or `queue` (the present item, else the first). 409 queue_empty when the
    queue has nothing there (next past the end with repeat off)."""
    with UnitOfWork(db) as uow:
        return jump(_Edit(uow, actor, speaker_id), to, item_id)


SPEAKER_QUEUE = QueueService(view_queue, add_to_queue, remove_from_queue, move_in_queue,
                             clear_queue, set_queue_mode, jump_in_queue)
