"""Guest requests: the owner switches them on for a speaker or a group (its own queue,
played on every member) and gets a public link; guests with no account ask for songs
there. Every function takes its target as a speaker id or a `Target`.

A guest is its cookie and its address: each may ask PER_HOUR times an hour (429) and hold
MAX_PENDING requests waiting (409). Queries pass the same check as every play query
(422: a URL on a private address too) and the owner's bans (403). In `auto` mode a request
joins the queue at once; in `approve` mode it waits for the owner. Ending requests ends
the link for good: the old link is 404, a new one is made when they are switched on again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from contracts.speaker_queries import MAX_QUERY_LENGTH
from models.accounts.tables import User
from models.accounts.throttle import Limit, check_limits, count_failure
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.uow import UnitOfWork
from models.speakers.group_queue import append_to_group_queue
from models.speakers.groups import own_speaker_group
from models.speakers.queue import append_to_queue
from models.speakers.service import _own_speaker, checked_query
from models.speakers.tables import GuestBan, GuestRequest, GuestRequestLink

PER_HOUR = 5
MAX_PENDING = 3
MODES = ("auto", "approve")


@dataclass(frozen=True)
class Target:
    """What guests request songs for: a speaker's queue, or a group's."""

    speaker_id: int | None = None
    group_id: int | None = None

    def own(self, session, actor: User, *, lock: bool = False) -> None:
        """NotFound (404) unless `actor` owns it (an admin: any)."""
        if self.group_id is not None:
            own_speaker_group(session, actor, self.group_id, lock=lock)
        else:
            _own_speaker(session, actor, int(self.speaker_id or 0), lock=lock)

    def of(self, model) -> Any:
        """The condition selecting its rows of `model` (links, bans)."""
        if self.group_id is not None:
            return model.group_id == self.group_id
        return model.speaker_id == self.speaker_id

    def enqueue(self, uow: UnitOfWork, actor: User | None, query: str) -> None:
        """Append `query` to its queue (commits `uow`)."""
        if self.group_id is not None:
            append_to_group_queue(uow, self.group_id, query)
        else:
            append_to_queue(uow, actor, int(self.speaker_id or 0), query)


def target(value: int | Target) -> Target:
    return value if isinstance(value, Target) else Target(speaker_id=value)


def _of_link(link: GuestRequestLink) -> Target:
    return Target(link.speaker_id, link.group_id)


def guest_key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _active_link(session, to: Target) -> GuestRequestLink | None:
    return session.scalar(select(GuestRequestLink).where(
        to.of(GuestRequestLink), GuestRequestLink.ended_at.is_(None)))


def open_guest_requests(db: Database, actor: User, speaker: int | Target,
                        mode: Any) -> GuestRequestLink:
    """Switch requests on (or change their mode); the link stays the same until ended."""
    if mode not in MODES:
        raise Invalid("mode must be auto or approve", code="invalid_mode", pointer="/mode")
    to = target(speaker)
    with UnitOfWork(db) as uow:
        to.own(uow.session, actor, lock=True)
        link = _active_link(uow.session, to)
        if link is None:
            link = GuestRequestLink(speaker_id=to.speaker_id, group_id=to.group_id,
                                    token=secrets.token_urlsafe(24), created_at=utcnow())
            uow.session.add(link)
        link.mode = mode
        uow.commit()
        return link


def view_guest_requests(db: Database, actor: User, speaker: int | Target
                        ) -> tuple[GuestRequestLink | None, list[GuestRequest]]:
    """The active link and its requests, waiting ones first."""
    to = target(speaker)
    with db.session() as s:
        to.own(s, actor)
        link = _active_link(s, to)
        if link is None:
            return None, []
        requests = s.scalars(select(GuestRequest).where(GuestRequest.link_id == link.id)
                             .order_by(GuestRequest.status != "pending", GuestRequest.id))
        return link, list(requests)


def end_guest_requests(db: Database, actor: User, speaker: int | Target) -> None:
    """End requests: the link is 404 from now on; waiting requests are rejected."""
    to = target(speaker)
    with UnitOfWork(db) as uow:
        to.own(uow.session, actor, lock=True)
        link = _active_link(uow.session, to)
        if link is None:
            raise NotFound("Guest requests are not on", code="guest_requests_off")
        link.ended_at = utcnow()
        uow.session.execute(update(GuestRequest).where(
            GuestRequest.link_id == link.id, GuestRequest.status == "pending")
            .values(status="rejected"))
        uow.commit()


def guest_link(db: Database, token: str) -> GuestRequestLink:
    """The active link of `token`; NotFound (404) for an unknown or ended one alike."""
    with db.session() as s:
        link = s.scalar(select(GuestRequestLink).where(GuestRequestLink.token == token))
        if link is None or link.ended_at is not None:
            raise NotFound("This request link is not open", code="guest_link_not_found")
        return link


def request_song(db: Database, token: str, cookie: str, address: str,
                 query: Any) -> GuestRequest:
    """A guest's request through the link `token`. 404 ended or unknown link, 422 bad
    query, 403 banned query, 429 over the hourly limit (cookie or address), 409 too many
    waiting. Only a request taken counts towards the limit."""
    link = guest_link(db, token)
    query = checked_query(db, query)
    key = guest_key(cookie)
    limits = [Limit(f"guest:{link.id}:cookie:{key}", PER_HOUR, 3600),
              Limit(f"guest:{link.id}:address:{address}", PER_HOUR, 3600)]
    check_limits(db, limits)
    with UnitOfWork(db) as uow:
        s = uow.session
        if s.scalar(select(GuestBan.id).where(_of_link(link).of(GuestBan),
                                              GuestBan.query == _folded(query))):
            raise Forbidden("The owner does not take this song", code="query_banned")
        waiting = s.scalar(select(func.count()).select_from(GuestRequest).where(
            GuestRequest.link_id == link.id, GuestRequest.guest_key == key,
            GuestRequest.status == "pending"))
        if waiting >= MAX_PENDING:
            raise Conflict(f"at most {MAX_PENDING} of your requests may wait",
                           code="too_many_pending")
        request = GuestRequest(link_id=link.id, guest_key=key, address=address[:64],
                               query=query, created_at=utcnow(),
                               status="queued" if link.mode == "auto" else "pending")
        s.add(request)
        if link.mode == "auto":
            _of_link(link).enqueue(uow, None, query)  # commits both
        else:
            uow.commit()
    count_failure(db, limits)
    return request


def decide_guest_request(db: Database, actor: User, speaker: int | Target, request_id: int,
                         approve: bool) -> GuestRequest:
    """Approve (it joins the queue) or reject a waiting request. 409 when decided."""
    to = target(speaker)
    with UnitOfWork(db) as uow:
        to.own(uow.session, actor, lock=True)
        request = uow.session.get(GuestRequest, request_id, with_for_update=True)
        link = request and uow.session.get(GuestRequestLink, request.link_id)
        if link is None or _of_link(link) != to or link.ended_at is not None:
            raise NotFound("Request not found", code="guest_request_not_found")
        if request.status != "pending":
            raise Conflict(f"the request is {request.status} already", code="decided")
        request.status = "queued" if approve else "rejected"
        if approve:
            to.enqueue(uow, actor, request.query)
        else:
            uow.commit()
        return request


def ban_query(db: Database, actor: User, speaker: int | Target, query: Any) -> None:
    """Ban `query` from the guest requests; its waiting requests are rejected."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH or not query.strip():
        raise Invalid(f"query must have 1 to {MAX_QUERY_LENGTH} characters, not only "
                      "spaces", code="invalid_query", pointer="/query")
    folded, to = _folded(query), target(speaker)
    with UnitOfWork(db) as uow:
        to.own(uow.session, actor, lock=True)
        if not uow.session.scalar(select(GuestBan.id).where(
                to.of(GuestBan), GuestBan.query == folded)):
            uow.session.add(GuestBan(speaker_id=to.speaker_id, group_id=to.group_id,
                                     query=folded))
        link = _active_link(uow.session, to)
        if link is not None:
            for request in uow.session.scalars(select(GuestRequest).where(
                    GuestRequest.link_id == link.id, GuestRequest.status == "pending")):
                if _folded(request.query) == folded:
                    request.status = "rejected"
        uow.commit()


def _folded(query: str) -> str:
    return " ".join(query.split()).casefold()
