"""User accounts: sign-up, password check, lookup. Passwords are argon2 hashes."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from contracts.accounts import UserSignedUp
from models.accounts.tables import User
from models.core.base import detached, utcnow
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from models.core.uow import UnitOfWork

_hasher = PasswordHasher()
USERS = User.__table__
MIN_PASSWORD_LENGTH = 8


def valid_email(email: str) -> str:
    """An address as accounts store it (trimmed, lower case); Invalid if it is none."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 255:
        raise Invalid("Not a valid email address", pointer="/data/attributes/email")
    return email


def normalise_email(email: str) -> str:
    """The form an address is stored and looked up in (no validation: a lookup key)."""
    return email.strip().lower()


def check_password_length(password: str, pointer: str = "/data/attributes/password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Password must have at least {MIN_PASSWORD_LENGTH} characters",
                      pointer=pointer)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(db: Database, email: str, password: str, *, is_admin: bool = False,
                display_name: str | None = None, verified: bool = False) -> User:
    """Sign a user up. Raises Conflict when the email is taken, Invalid on a short password.
    An unverified account records `user.signed_up` (the mail consumer mails it a link on
    BASE_URL); `verified` (accounts an operator makes) does not."""
    email = valid_email(email)
    check_password_length(password)
    with UnitOfWork(db) as uow:
        taken = uow.session.scalar(select(func.count()).where(User.email == email))
        if taken:
            raise Conflict("A user with this email already exists", code="email_taken")
        now = utcnow()
        user = User(email=email, password_hash=_hasher.hash(password), is_admin=is_admin,
                    display_name=display_name, email_verified_at=now if verified else None)
        uow.session.add(user)
        if not verified:
            uow.session.flush()
            uow.record(UserSignedUp(user_id=user.id, signed_up_at=now.isoformat()))
        try:
            uow.commit()
        except IntegrityError as exc:  # a concurrent sign-up won the race
            raise Conflict("A user with this email already exists", code="email_taken") from exc
        return user


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, made with the same parameters as the real ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s. Takes as long for no user (or one without a
    password) as for a wrong password: an unknown email is checked against a dummy hash,
    so the time does not tell which accounts exist."""
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _dummy_hash(),
                       password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and bool(user.password_hash)


def authenticate(db: Database, email: str, password: str) -> User:
    """The user with these credentials. Raises Unauthorized, never says which part failed;
    Forbidden (`account_deactivated`) for a deactivated account with the right password."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == normalise_email(email))
                              .options(undefer(User.password_hash)))
    if not verify_password(user, password):
        raise Unauthorized("Invalid email or password", code="invalid_credentials")
    if not user.is_active:
        raise Forbidden("This account was deactivated by an administrator",
                        code="account_deactivated")
    return user


def get_user(db: Database, user_id: int) -> User:
    """The user (detached), read by one Core statement: every signed-in request asks."""
    with db.engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.id == user_id)).one_or_none()
    if row is None:
        raise NotFound(f"User {user_id} not found")
    return detached(User, row)


def users_by_ids(db: Database, ids: list[int]) -> list[User]:
    """The users among `ids`, in one query (detached)."""
    with db.engine.connect() as conn:
        return [detached(User, row) for row in
                conn.execute(select(USERS).where(USERS.c.id.in_(ids)).order_by(USERS.c.id))]


def view_user(db: Database, actor: User, user_id: int) -> User:
    """A user as seen by `actor`: themselves or an admin only."""
    if actor.id != user_id and not actor.is_admin:
        raise Forbidden("You can only see your own account")
    return actor if actor.id == user_id else get_user(db, user_id)


def firebase_placeholder(uid: str) -> str:
    """The address of a Firebase account whose email Firebase has not verified."""
    return f"{uid}@firebase.invalid"


def get_or_create_firebase_user(db: Database, uid: str, email: str | None,
                                display_name: str | None, email_verified: bool = False
                                ) -> User:
    """The local user for a Firebase account, created on first sight. Every request with
    a Firebase token asks: the usual answer is one Core read, as for `get_user`.

    A Firebase email counts only when Firebase verified it: until then the account holds
    a placeholder address, so an unverified email links to nothing (no other account's
    address is taken, nothing addressed to it is reached). Once verified it is claimed;
    Conflict (`email_taken`) when another account holds it."""
    claim = email.lower() if email and email_verified else None
    with db.engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.firebase_uid == uid)).one_or_none()
    if row is not None and (claim is None or row.email == claim):
        return detached(User, row)
    with UnitOfWork(db) as uow:
        user = uow.session.scalar(select(User).where(User.firebase_uid == uid))
        if user is None:
            user = User(email=claim or firebase_placeholder(uid), firebase_uid=uid,
                        display_name=display_name, password_hash=None)
            uow.session.add(user)
        elif user.email == firebase_placeholder(uid):
            user.email = claim
        else:
            return user  # the address it holds was verified before: kept
        try:
            uow.commit()
        except IntegrityError:
            uow.session.rollback()
            user = uow.session.scalar(select(User).where(User.firebase_uid == uid))
            if user is None or (claim is not None and user.email != claim):
                raise Conflict("Email already used by another account",
                               code="email_taken") from None
        return user
