"""A speaker group's own queue, played on every member together.

The list operations are a speaker queue's (models/speakers/queue.py). What differs is who
goes on when a song ends: members do not, each on its own (they would part, and a member
that missed the end would skip). The backend decides once: each song reaches the members
as one group play (`group_item_id`, a start time ahead), and the first member reporting
that play ended (its `group_play_id`, status idle) advances the queue and sends the next
group play. A play that failed ("error", its `group_play_id` kept) ended too, once no
other member still plays it: a song failing on every member does not stop the queue,
and one member's failure does not cut the song on the others. Later reports of the same
play find the queue moved on and change nothing, so the advance is idempotent under
redelivery and with any number of members.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contracts.speaker_groups import SpeakerGroupQueueChanged
from contracts.speakers import new_command
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.uow import UnitOfWork
from models.speakers import queue as ops
from models.speakers.groups import START_AHEAD, own_speaker_group
from models.speakers.queue import QueueEdit, QueueService, QueueView
from models.speakers.service import checked_query
from models.speakers.tables import (
    Speaker,
    SpeakerGroup,
    SpeakerGroupMember,
    SpeakerGroupQueue,
    SpeakerGroupQueueItem,
)


def _items(session: Session, group_id: int) -> list[SpeakerGroupQueueItem]:
    return list(session.scalars(select(SpeakerGroupQueueItem)
                                .where(SpeakerGroupQueueItem.group_id == group_id)
                                .order_by(SpeakerGroupQueueItem.position,
                                          SpeakerGroupQueueItem.id)))


def _queue_row(session: Session, group_id: int) -> SpeakerGroupQueue:
    return session.get(SpeakerGroupQueue, group_id) or SpeakerGroupQueue(
        group_id=group_id, repeat="off", shuffle=False, version=0)


def _view(queue: SpeakerGroupQueue, items: list[SpeakerGroupQueueItem]) -> QueueView:
    playing = queue.playing_item_id if queue.playing_command_id else None
    return QueueView(None, list(items), queue.current_item_id, playing, queue.repeat,
                     bool(queue.shuffle), queue.version, group_id=queue.group_id)


class GroupEdit(QueueEdit):
    """A group's queue, its group row locked (every change of it is serialised there)."""

    def __init__(self, uow: UnitOfWork, actor: User | None, group_id: int, *,
                 commits: bool = True) -> None:
        """`actor` None: the system (a member's report, a guest request let through).
        `commits` False: inside a consumer's transaction, whose runtime commits."""
        self.uow, self.session, self.commits = uow, uow.session, commits
        if actor is not None:
            own_speaker_group(self.session, actor, group_id, lock=True)
        else:
            self.session.get(SpeakerGroup, group_id, with_for_update=True)
        self.queue = _queue_row(self.session, group_id)
        self.session.add(self.queue)
        self.items = _items(self.session, group_id)

    def new_item(self, query: str, position: int) -> SpeakerGroupQueueItem:
        return SpeakerGroupQueueItem(group_id=self.queue.group_id, position=position,
                                     query=query, shuffle_rank=random.random(),
                                     added_at=utcnow())

    def delete_all(self) -> None:
        self.session.execute(delete(SpeakerGroupQueueItem)
                             .where(SpeakerGroupQueueItem.group_id == self.queue.group_id))

    def done(self, change: str, *, start: bool = False) -> QueueView:
        q, now = self.queue, utcnow()
        q.version += 1
        self.session.flush()
        if q.current_item_id not in {i.id for i in self.items}:
            q.current_item_id = None
        self.uow.record(SpeakerGroupQueueChanged(
            speaker_group_id=q.group_id, version=q.version, change=change,
            item_count=len(self.items), current_item_id=q.current_item_id,
            changed_at=now.isoformat()))
        if start and q.current_item_id is not None:
            self._play(self.item(q.current_item_id))
        view = _view(q, self.items)
        if self.commits:
            self.uow.commit()
        else:
            self.uow.flush()
        return view

    def _play(self, item: SpeakerGroupQueueItem) -> None:
        """One group play of `item` for every member, starting START_AHEAD from now."""
        following = self.step(1) if self.queue.repeat != "one" else item
        command_id = str(uuid.uuid4())
        self.uow.record(new_command(
            "play", 0, command_id, group_id=self.queue.group_id, query=item.query,
            group_item_id=item.id, prefetch=getattr(following, "query", None),
            start_at=(utcnow() + START_AHEAD).isoformat()))
        self.queue.playing_command_id, self.queue.playing_item_id = command_id, item.id


def view_group_queue(db: Database, actor: User, group_id: int) -> QueueView:
    """The owner's group's queue in list order. NotFound for a foreign group."""
    with db.session() as session:
        own_speaker_group(session, actor, group_id)
        return _view(_queue_row(session, group_id), _items(session, group_id))


def add_to_group_queue(db: Database, actor: User, group_id: int, query: Any,
                       position: Any = None) -> tuple[QueueView, SpeakerGroupQueueItem]:
    """As add_to_queue, for the group's queue."""
    query = checked_query(db, query)
    with UnitOfWork(db) as uow:
        return ops.insert_item(GroupEdit(uow, actor, group_id), query, position)


def append_to_group_queue(uow: UnitOfWork, group_id: int, query: str
                          ) -> tuple[QueueView, SpeakerGroupQueueItem]:
    """Append an already checked `query` for the system (commits `uow`)."""
    return ops.insert_item(GroupEdit(uow, None, group_id), query)


def remove_from_group_queue(db: Database, actor: User, group_id: int,
                            item_id: int) -> QueueView:
    with UnitOfWork(db) as uow:
        return ops.remove_item(GroupEdit(uow, actor, group_id), item_id)


def move_in_group_queue(db: Database, actor: User, group_id: int, item_id: int,
                        position: Any) -> QueueView:
    with UnitOfWork(db) as uow:
        return ops.move_item(GroupEdit(uow, actor, group_id), item_id, position)


def clear_group_queue(db: Database, actor: User, group_id: int) -> QueueView:
    """Empty the queue; the song playing plays to its end on every member."""
    with UnitOfWork(db) as uow:
        return ops.clear_items(GroupEdit(uow, actor, group_id))


def set_group_queue_mode(db: Database, actor: User, group_id: int, *, shuffle: Any = None,
                         repeat: Any = None) -> QueueView:
    with UnitOfWork(db) as uow:
        return ops.set_mode(GroupEdit(uow, actor, group_id), shuffle=shuffle, repeat=repeat)


def jump_in_group_queue(db: Database, actor: User, group_id: int, to: str,
                        item_id: int | None = None) -> QueueView:
    """As jump_in_queue: every member plays that song, together (one group play)."""
    with UnitOfWork(db) as uow:
        return ops.jump(GroupEdit(uow, actor, group_id), to, item_id)


GROUP_QUEUE = QueueService(view_group_queue, add_to_group_queue, remove_from_group_queue,
                           move_in_group_queue, clear_group_queue, set_group_queue_mode,
                           jump_in_group_queue)


def advance_group_queues(uow: UnitOfWork, reports: list[tuple[int, dict[str, Any]]]) -> int:
    """Members of groups reported these states (speaker id, state): each that says its
    group's present play ended moves that group's queue on, and the next song plays on
    every member (inside `uow`, which the caller commits). A play ended: a member is idle
    after it, or it failed ("error") on that member and no other member still plays it.
    Any other state, a play superseded already (an idle member's heartbeat keeps its last
    play's id), a speaker in no group: nothing, and no group row locked. Group rows are
    locked in id order, only those whose present play was reported. Returns how many
    queues moved on."""
    ended: dict[int, tuple[str, bool]] = {}
    for speaker_id, state in reports:
        play_id, status = state.get("group_play_id"), state.get("status")
        if status in ("idle", "error") and isinstance(play_id, str) and play_id:
            ended[speaker_id] = (play_id, status == "error")
    if not ended:
        return 0
    present = {(row.speaker_id, row.playing_command_id): row.group_id
               for row in uow.session.execute(
                   select(SpeakerGroupMember.speaker_id, SpeakerGroupMember.group_id,
                          SpeakerGroupQueue.playing_command_id)
                   .join(SpeakerGroupQueue,
                         SpeakerGroupQueue.group_id == SpeakerGroupMember.group_id)
                   .where(SpeakerGroupMember.speaker_id.in_(ended),
                          SpeakerGroupQueue.playing_command_id.in_(
                              {p for p, _ in ended.values()})))}
    plays: dict[tuple[int, str], bool] = {}  # (group, play): only failures reported
    for speaker_id, (play_id, failed) in ended.items():
        group_id = present.get((speaker_id, play_id))
        if group_id is not None:
            plays[group_id, play_id] = plays.get((group_id, play_id), True) and failed
    return sum(_advance(uow, group_id, play_id)
               for (group_id, play_id), failed in sorted(plays.items())
               if not (failed and _still_played(uow.session, group_id, play_id)))


def _still_played(session: Session, group_id: int, play_id: str) -> bool:
    """Whether a member's last state is still on the play `play_id` (loading, playing or
    paused): one member's failure must not cut the song on the others; the last of them
    to end it (idle or error) moves the queue on."""
    return session.scalar(select(Speaker.id).join(
        SpeakerGroupMember, SpeakerGroupMember.speaker_id == Speaker.id).where(
        SpeakerGroupMember.group_id == group_id,
        Speaker.state_status.in_(("loading", "playing", "paused")),
        Speaker.state["group_play_id"].as_string() == play_id).limit(1)) is not None


def _advance(uow: UnitOfWork, group_id: int, play_id: str) -> bool:
    edit = GroupEdit(uow, None, group_id, commits=False)
    if edit.queue.playing_command_id != play_id:
        return False  # changed before the lock: another batch advanced it, the owner jumped
    ended = next((i for i in edit.items if i.id == edit.queue.playing_item_id), None)
    if ended is None or edit.present() is not ended:  # removed, or the owner moved on
        target = edit.present()
    elif edit.queue.repeat == "one":
        target = ended
    else:
        target = edit.step(1)
    if target is None:
        edit.queue.playing_command_id = edit.queue.playing_item_id = None
        edit.done("ended")
        return False
    edit.queue.current_item_id = target.id
    edit.done("advanced", start=True)
    return True
