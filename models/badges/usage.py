"""Allowed usage: one unit per badge, taken and given back by atomic SQL updates only.

Never read-modify-write (`user.allowed_usage = user.allowed_usage + n` loses concurrent
updates): every change is one conditional UPDATE on the row, so PostgreSQL serialises
concurrent requests on the row lock and the CHECK (allowed_usage >= 0) backs it up."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.uow import UnitOfWork

MAX_TOP_UP = 1_000_000


def take_usage(session: Session, user_id: int, n: int) -> int:
    """Take `n` units from the user inside the caller's transaction; the units left.
    Raises Forbidden (code `usage_exceeded`, the number left in the detail) and changes
    nothing when fewer than `n` are left."""
    left = session.scalar(
        update(User)
        .where(User.id == user_id, User.allowed_usage >= n)
        .values(allowed_usage=User.allowed_usage - n)
        .returning(User.allowed_usage)
    )
    if left is None:
        have = session.scalar(select(User.allowed_usage).where(User.id == user_id)) or 0
        raise Forbidden(f"Not enough allowed usage: {n} badges requested, {have} left",
                        code="usage_exceeded")
    return left


def give_back_usage(session: Session, user_id: int, n: int) -> None:
    """Return `n` units inside the caller's transaction (a failed badge)."""
    session.execute(update(User).where(User.id == user_id)
                    .values(allowed_usage=User.allowed_usage + n))


def require_admin(actor: User) -> None:
    """Forbidden (`admin_only`) unless `actor` is an admin."""
    if not actor.is_admin:
        raise Forbidden("Only admins can add allowed usage", code="admin_only")


def add_allowed_usage(db: Database, actor: User, user_id: int, n: int) -> User:
    """Admins add `n` (a positive integer) to a user's allowed usage. An atomic increment:
    concurrent top-ups all count. Forbidden for non-admins, NotFound for no such user,
    Conflict (`email_not_verified`, nothing changed) while the user's address is not
    verified: badges are mailed, and mail waits for a verified address."""
    require_admin(actor)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 < n <= MAX_TOP_UP:
        raise Invalid(f"allowed-usage must be an integer from 1 to {MAX_TOP_UP}",
                      code="invalid_top_up", pointer="/data/attributes/allowed-usage")
    with UnitOfWork(db) as uow:
        give_back_usage(uow.session, user_id, n)  # the same atomic increment
        user = uow.session.scalar(select(User).where(User.id == user_id)
                                  .execution_options(populate_existing=True))
        if user is None:
            raise NotFound(f"User {user_id} not found")
        if user.email_verified_at is None:
            raise Conflict(f"User {user_id} has not verified their email address yet",
                           code="email_not_verified")
        uow.commit()
        return user
