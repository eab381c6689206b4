"""Speaker groups: speakers of one owner that play together.

A group's command is recorded once, routed `speaker_group.<id>.<command>`; the backend
binds each member's own queue to that group's keys (consumers/speaker_groups.py), so a
device still reads only its own queue and its broker rights stay as they were. A play or
resume carries `start_at`, a little ahead, so the members start together.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from contracts.speaker_groups import SpeakerGroupChanged
from contracts.speakers import new_command
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.speakers.service import IssuedCommand, _own_speaker, command_fields
from models.speakers.tables import Speaker, SpeakerGroup, SpeakerGroupMember

MAX_MEMBERS = 32
# a member's id as text: 1 to 999,999,999 without leading zeros (an integer may go on to
# 2^31-1, where the JSON reader stops every integer)
ID_TEXT = "[1-9][0-9]{0,8}"
START_AHEAD = timedelta(milliseconds=400)  # members receive, resolve, then start together
STARTS_TOGETHER = ("play", "resume")


@dataclass(frozen=True)
class GroupView:
    group: SpeakerGroup
    speaker_ids: list[int]


def _members(session, group_id: int) -> list[int]:
    return list(session.scalars(select(SpeakerGroupMember.speaker_id)
                                .where(SpeakerGroupMember.group_id == group_id)
                                .order_by(SpeakerGroupMember.speaker_id)))


def own_speaker_group(session, actor: User, group_id: int, *,
                      lock: bool = False) -> SpeakerGroup:
    """The group `group_id` when `actor` owns it (an admin: any); NotFound otherwise.
    `lock`: its row FOR UPDATE (every change of a group and its queue is serialised there)."""
    group = session.get(SpeakerGroup, group_id, with_for_update=lock)
    if group is None or (group.owner_id != actor.id and not actor.is_admin):
        raise NotFound("Speaker group not found", code="speaker_group_not_found")
    return group


def _is_id(value: Any) -> bool:
    return (type(value) is int and value >= 1) or (
        isinstance(value, str) and re.fullmatch(ID_TEXT, value) is not None)


def _speaker_ids(value: Any) -> list[int]:
    """1 to MAX_MEMBERS ids, each an integer or its digits (a "²" is a digit to
    str.isdigit, and int() refuses it), a repeated one counted as sent."""
    ok = isinstance(value, list) and len(value) <= MAX_MEMBERS and all(map(_is_id, value))
    ids = sorted({int(v) for v in value}) if ok else []
    if not ids:
        raise Invalid(f"speakers must list 1 to {MAX_MEMBERS} speaker ids",
                      code="invalid_speakers", pointer="/data/attributes/speakers")
    return ids


def create_speaker_group(db: Database, actor: User, name: Any, speakers: Any) -> GroupView:
    """A group of the actor's `speakers`. 404 speaker_not_found for one not theirs, 409
    speaker_in_group for one already in a group (the member row's key holds that under
    concurrency too). Records `speaker_group.changed`."""
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 100:
        raise Invalid("name must have 1 to 100 characters", code="invalid_name",
                      pointer="/data/attributes/name")
    ids = _speaker_ids(speakers)
    with UnitOfWork(db) as uow:
        s = uow.session
        for speaker_id in ids:  # id order: two groups made at once never deadlock
            _own_speaker(s, actor, speaker_id, lock=True)
        taken = s.scalars(select(SpeakerGroupMember.speaker_id)
                          .where(SpeakerGroupMember.speaker_id.in_(ids))).all()
        if taken:
            raise Conflict(f"speaker {taken[0]} is in a group already; a speaker belongs to "
                           "one group at a time", code="speaker_in_group",
                           pointer="/data/attributes/speakers")
        group = SpeakerGroup(owner_id=actor.id, name=name, created_at=utcnow())
        s.add(group)
        s.flush()
        s.add_all(SpeakerGroupMember(speaker_id=i, group_id=group.id) for i in ids)
        uow.record(SpeakerGroupChanged(speaker_group_id=group.id, speaker_ids=ids,
                                       removed_speaker_ids=[]))
        uow.commit()
        return GroupView(group, ids)


def view_speaker_group(db: Database, actor: User, group_id: int) -> GroupView:
    with db.session() as s:
        return GroupView(own_speaker_group(s, actor, group_id), _members(s, group_id))


def group_member_speakers(db: Database, actor: User, group_id: int) -> list[Speaker]:
    """The group's members by name, whoever owns them: an admin looking at another owner's
    group sees that group's members. NotFound unless `actor` may see the group."""
    with db.session() as s:
        own_speaker_group(s, actor, group_id)
        return list(s.scalars(select(Speaker).join(
            SpeakerGroupMember, SpeakerGroupMember.speaker_id == Speaker.id)
            .where(SpeakerGroupMember.group_id == group_id)
            .order_by(Speaker.name, Speaker.id)))


def list_speaker_groups(db: Database, actor: User) -> list[GroupView]:
    with db.session() as s:
        groups = s.scalars(select(SpeakerGroup).where(SpeakerGroup.owner_id == actor.id)
                           .order_by(SpeakerGroup.name, SpeakerGroup.id)).all()
        return [GroupView(g, _members(s, g.id)) for g in groups]


def delete_speaker_group(db: Database, actor: User, group_id: int) -> None:
    """Delete the group; its members' queues are unbound from it."""
    with UnitOfWork(db) as uow:
        own_speaker_group(uow.session, actor, group_id, lock=True)
        members = _members(uow.session, group_id)
        uow.session.delete(uow.session.get(SpeakerGroup, group_id))
        uow.record(SpeakerGroupChanged(speaker_group_id=group_id, speaker_ids=[],
                                       removed_speaker_ids=members))
        uow.commit()


def command_speaker_group(db: Database, actor: User, group_id: int, command: str, *,
                          query: Any = None, level: Any = None,
                          position_ms: Any = None) -> IssuedCommand:
    """Record `command` once for every member (through the group's bindings). A play or
    resume starts at now + START_AHEAD on every member's clock."""
    fields = command_fields(db, command, query=query, level=level, position_ms=position_ms)
    if command in STARTS_TOGETHER:
        fields["start_at"] = (utcnow() + START_AHEAD).isoformat()
    command_id = str(uuid.uuid4())
    with UnitOfWork(db) as uow:
        own_speaker_group(uow.session, actor, group_id)
        event = new_command(command, 0, command_id, group_id=group_id, **fields)
        uow.record(event)
        uow.commit()
    return IssuedCommand(command_id, command, group_id, datetime.fromisoformat(
        event.expires_at))


def members_of(session, group_id: int) -> list[int]:
    """The group's members now (none once it is deleted), for the binding consumer."""
    return _members(session, group_id)


def group_of(session, speaker_id: int) -> int | None:
    """The group the speaker is in, if any."""
    return session.scalar(select(SpeakerGroupMember.group_id)
                          .where(SpeakerGroupMember.speaker_id == speaker_id))
