"""User accounts. Invariants are named constraints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, UTCDateTime, utcnow

DEFAULT_ALLOWED_USAGE = 200


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("allowed_usage >= 0", name="allowed_usage_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    # deferred: loaded only where a password is checked (authenticate), so processes
    # whose database role may not read it (the consumers, models/core/db_roles.py) can
    # still load users
    password_hash: Mapped[str | None] = mapped_column(String(255), deferred=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    allowed_usage: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_ALLOWED_USAGE, server_default=str(DEFAULT_ALLOWED_USAGE)
    )
    firebase_uid: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # revocation: every token names the version it was issued under; logout, a password
    # change and deactivation bump it, so every token issued before is refused
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # mail goes only to a verified address (a link mailed at sign-up, or Firebase's word)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthThrottle(Base):
    """Failed sign-ins (and sign-ups) counted per key (`login:account:<email>`,
    `login:address:<ip>`, ...) in a fixed window, in the database so that every API
    process sees one count."""

    __tablename__ = "auth_throttles"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    # retention prunes ended windows by this stamp
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer)
