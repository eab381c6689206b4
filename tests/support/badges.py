"""Helpers for badge tests: users with a given usage, admin tokens, badge documents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from models.tables import User
from tests.support.api import doc, login, sign_up


def set_usage(db, email: str, n: int, *, admin: bool = False) -> int:
    with db.session() as s:
        user_id = s.scalar(select(User.id).where(User.email == email))
        s.execute(update(User).where(User.id == user_id)
                  .values(allowed_usage=n, is_admin=admin))
        s.commit()
    return user_id


def usage_of(db, user_id: int) -> int:
    with db.session() as s:
        return s.scalar(select(User.allowed_usage).where(User.id == user_id))


def user_with_usage(client, db, email: str, n: int, *, admin: bool = False
                    ) -> tuple[int, str]:
    """Sign up `email` through the API, then set its usage (and admin flag)."""
    sign_up(client, email)
    user_id = set_usage(db, email, n, admin=admin)
    return user_id, login(client, email)


def rows(n: int, *, secrets: bool = False) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        row = {"name": f"Attendee {i:04d}", "line-2": "Speaker", "line-3": "PyCon 2027"}
        if secrets:
            row["secret"] = f"checkin-secret-{i:04d}"
        out.append(row)
    return out


def badge_doc(attributes: dict[str, Any], relationships=None) -> dict:
    return doc("badge", attributes, relationships)
