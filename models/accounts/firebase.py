"""Firebase Auth through firebase-admin, behind two small Protocols: ID-token verification
(the API) and the user directory (the mail consumer's recipient lookup).

Configured by FIREBASE_PROJECT_ID (Config.firebase_project_id). firebase-admin reads the
rest from the environment itself: FIREBASE_AUTH_EMULATOR_HOST for the emulator (fake
credentials, unsigned tokens), else GOOGLE_APPLICATION_CREDENTIALS (service account) for
`get_user`; verifying tokens needs only the project id."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from models.accounts.directory import Recipient
from models.core.config import Config
from models.core.errors import Busy, Unauthorized

log = logging.getLogger("venuebus.firebase")


@dataclass(frozen=True)
class FirebaseIdentity:
    uid: str
    email: str | None
    display_name: str | None
    email_verified: bool = False


class IdTokenVerifier(Protocol):
    def verify(self, token: str) -> FirebaseIdentity | None:
        """The identity in a valid Firebase ID token; None for anything else."""


class FirebaseAuth:
    """firebase-admin bound to one project (its own named firebase_admin app)."""

    _lock = threading.Lock()

    def __init__(self, project_id: str) -> None:
        import firebase_admin

        name = f"venuebus-{project_id}"
        with self._lock:
            try:
                self.app = firebase_admin.get_app(name)
            except ValueError:
                # Application default credentials, loaded lazily (only get_user needs
                # them); with FIREBASE_AUTH_EMULATOR_HOST the SDK uses fake ones itself.
                self.app = firebase_admin.initialize_app(
                    None, options={"projectId": project_id}, name=name)

    def verify(self, token: str) -> FirebaseIdentity | None:
        """The identity of a valid ID token whose user's refresh tokens were not revoked
        since it was issued (`check_revoked`: one more call to Firebase Auth); Unauthorized
        (`token_revoked`) for a revoked token or a disabled account."""
        from firebase_admin import auth, exceptions
        from google.auth.exceptions import DefaultCredentialsError

        try:
            claims = auth.verify_id_token(token, app=self.app, check_revoked=True)
        except auth.CertificateFetchError as exc:  # Google's keys out of reach: not the token
            raise Busy("Firebase's signing keys cannot be fetched; retry",
                       code="firebase_unavailable") from exc
        except (auth.RevokedIdTokenError, auth.UserDisabledError) as exc:
            raise Unauthorized("This Firebase token was revoked or its account disabled",
                               code="token_revoked") from exc
        except DefaultCredentialsError as exc:  # check_revoked reads the user: needs them
            log.error("Firebase revocation check needs GOOGLE_APPLICATION_CREDENTIALS: %s", exc)
            raise Busy("Firebase sign-in is not configured on this server",
                       code="firebase_unavailable") from exc
        except (ValueError, exceptions.FirebaseError) as exc:
            log.debug("not a valid Firebase ID token: %s", exc)
            return None
        return FirebaseIdentity(uid=claims["uid"], email=claims.get("email"),
                                display_name=claims.get("name"),
                                email_verified=bool(claims.get("email_verified")))

    def lookup(self, uid: str) -> Recipient | None:
        """UserDirectory: the account's current email and display name."""
        from firebase_admin import auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            record = auth.get_user(uid, app=self.app)
        except auth.UserNotFoundError:
            return None
        except DefaultCredentialsError as exc:
            # Misconfigured (no service account): retrying cannot help, so the users
            # table's address is used. Transient Firebase errors raise (and retry).
            log.warning("Firebase get_user needs GOOGLE_APPLICATION_CREDENTIALS: %s", exc)
            return None
        if not record.email:
            return None
        return Recipient(email=record.email, display_name=record.display_name,
                         verified=bool(record.email_verified))


_instances: dict[str, FirebaseAuth] = {}


def firebase_auth(config: Config) -> FirebaseAuth | None:
    """The process's FirebaseAuth for `config`, or None when Firebase is not configured."""
    if not config.firebase_project_id:
        return None
    with FirebaseAuth._lock:
        found = _instances.get(config.firebase_project_id)
    if found is None:
        found = FirebaseAuth(config.firebase_project_id)
        with FirebaseAuth._lock:
            _instances.setdefault(config.firebase_project_id, found)
    return found
