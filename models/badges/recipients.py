"""Who a badge mail goes to: the owner's address from the users table, or from Firebase
Auth (behind the UserDirectory Protocol) for users who signed in with Firebase."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.accounts.directory import Recipient, UserDirectory
from models.accounts.tables import User
from models.core.errors import NotFound


def badge_recipient(session: Session, owner_id: int,
                    directory: UserDirectory | None = None) -> Recipient:
    """Firebase users are looked up in the directory (their address may have changed
    there); everyone else, and Firebase users the directory does not know, from the
    users table. `verified` says whether mail may go to the address."""
    # see verify_email: no lost hold. FOR NO KEY UPDATE: it still waits for the verifying
    # UPDATE, but lets the mail intent's own transaction insert a row naming this user
    # (its foreign key check takes KEY SHARE, which FOR UPDATE would block: a self-deadlock)
    user = session.get(User, owner_id, with_for_update={"key_share": True})
    if user is None:
        raise NotFound(f"User {owner_id} not found")
    if user.firebase_uid and directory is not None:
        found = directory.lookup(user.firebase_uid)
        if found is not None and found.email:
            return found  # verified as Firebase says it is now
    return Recipient(email=user.email, display_name=user.display_name,
                     verified=user.email_verified_at is not None)
