"""Revoking tokens: every token names the user's `token_version` at issue; logout, a
password change and deactivation bump it, so every token issued before is refused
wherever the user is looked up (the door's statement included)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.engine import Connection

from contracts.accounts import UserAccessChanged
from models.accounts.tables import User
from models.accounts.users import (
    check_password_length,
    get_user,
    hash_password,
    verify_password,
)
from models.core.db import Database
from models.core.errors import Forbidden, NotFound, Unauthorized
from models.core.uow import UnitOfWork

REVOKED = "This token was revoked (signed out, password changed or account deactivated)"


USERS = User.__table__


def token_current(user: User, token_version: int) -> bool:
    """The rule: a token speaks for its user while the account is active and the token's
    version is the account's (a logout, a password change or deactivation bumps it)."""
    return user.is_active and user.token_version == token_version


def token_current_sql(actor_id: ColumnElement, token_version: ColumnElement
                      ) -> ColumnElement[bool]:
    """`token_current` as a condition on `users`, for the statements that confirm the
    actor in the same round trip (the door's, the order's); a NULL `token_version` means
    the caller confirmed the user itself."""
    return and_(USERS.c.id == actor_id, USERS.c.is_active,
                USERS.c.token_version == func.coalesce(token_version, USERS.c.token_version))


def refuse_stale_token(conn: Connection, actor_id: int) -> Unauthorized:
    """Why a statement that confirms the actor found none: `token_revoked` when the
    account still exists (deactivated or signed out since the token was issued), else
    `bad_token` (deleted). Only a refusal pays for telling which."""
    if conn.execute(select(USERS.c.id).where(USERS.c.id == actor_id)).first():
        return Unauthorized(REVOKED, code="token_revoked")
    return Unauthorized("Invalid token", code="bad_token")


def confirm_token(user: User, token_version: int) -> User:
    """`user` if a token issued under `token_version` still speaks for them; Unauthorized
    (`token_revoked`) after a logout, a password change or deactivation."""
    if not token_current(user, token_version):
        raise Unauthorized(REVOKED, code="token_revoked")
    return user


def _bump(uow: UnitOfWork, user_id: int, **values: object) -> User:
    user = uow.session.scalar(
        update(User).where(User.id == user_id)
        .values(token_version=User.token_version + 1, **values).returning(User)
        .execution_options(populate_existing=True))
    if user is None:
        raise NotFound(f"User {user_id} not found")
    return user


def revoke_tokens(db: Database, user_id: int) -> User:
    """Logout: every token of the user issued so far is refused from now on (every
    device is signed out). Returns the user with its new version."""
    with UnitOfWork(db) as uow:
        user = _bump(uow, user_id)
        uow.commit()
        return user


def change_password(db: Database, user: User, current: str, new: str) -> User:
    """Set a new password, given the current one (Unauthorized `invalid_credentials`
    otherwise, nothing changed); every token issued before is revoked."""
    # checked against the stored hash, read now: `user` may have been loaded without it
    # (the ORM defers it)
    if not verify_password(get_user(db, user.id), current):
        raise Unauthorized("The current password is not right", code="invalid_credentials",
                           pointer="/current_password")
    check_password_length(new, "/new_password")
    with UnitOfWork(db) as uow:
        changed = _bump(uow, user.id, password_hash=hash_password(new))
        uow.commit()
        return changed


def set_user_active(db: Database, actor: User, user_id: int, active: bool) -> User:
    """Admins deactivate a user (their tokens are refused at once, signing in is
    refused) or activate them again; records `user.access_changed`, on which the
    provisioner removes (or restores) the broker users of their speakers and closes
    their connections. Forbidden for anyone else and for one's own account (an admin
    cannot lock themselves out)."""
    if not actor.is_admin:
        raise Forbidden("Only admins can deactivate users", code="admin_only")
    if actor.id == user_id:
        raise Forbidden("Admins cannot deactivate themselves", code="own_account")
    with UnitOfWork(db) as uow:
        if active:
            user = uow.session.scalar(select(User).where(User.id == user_id))
            if user is None:
                raise NotFound(f"User {user_id} not found")
            user.is_active = True
        else:
            user = _bump(uow, user_id, is_active=False)
        # the account's devices follow it at the broker (consumers/provisioner.py)
        uow.record(UserAccessChanged(user_id=user_id, active=active))
        uow.commit()
        return user
