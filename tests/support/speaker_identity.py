"""Speaker broker users in tests: names under this run's own prefix (user names are
global on a broker, shared by parallel runs), removed at the end of the run."""

from __future__ import annotations

import contextlib
import secrets
import uuid

RUN_PREFIX = f"t{uuid.uuid4().hex[:8]}-speaker-"


def random_secret_key() -> str:
    """A SECRET_KEY for this run only: any key written in the repository is refused."""
    return secrets.token_urlsafe(48)


def remove_run_users(config) -> None:
    """Delete every broker user of this run (best effort: the broker may be gone)."""
    from brokerops.admin import BrokerAdmin, BrokerAdminError

    admin = BrokerAdmin.from_config(config)
    with contextlib.suppress(BrokerAdminError):
        for user in admin.call("GET", "users") or []:
            if user["name"].startswith(RUN_PREFIX):
                admin.delete_user(user["name"])
