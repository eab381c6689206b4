"""Firebase ID tokens as bearer tokens: a TokenVerifier the app factory appends when
FIREBASE_PROJECT_ID is set. The local user is created on first sight."""

from __future__ import annotations

from models.accounts.firebase import IdTokenVerifier
from models.accounts.tables import User
from models.accounts.users import get_or_create_firebase_user
from models.accounts.verification import mark_email_verified
from models.core.base import utcnow
from models.core.db import Database


class FirebaseTokenVerifier:
    """api.auth.TokenVerifier: a Firebase ID token → the local user (created if new)."""

    def __init__(self, db: Database, tokens: IdTokenVerifier) -> None:
        self.db, self.tokens = db, tokens

    def __call__(self, token: str) -> User | None:
        identity = self.tokens.verify(token)
        if identity is None:
            return None
        user = get_or_create_firebase_user(self.db, identity.uid, identity.email,
                                           identity.display_name, identity.email_verified)
        if identity.email_verified and user.email_verified_at is None:
            # Firebase verified the address: the mail held for it may go (once)
            mark_email_verified(self.db, user.id)
            user.email_verified_at = utcnow()
        return user
