"""Google's signing keys out of reach is the server's trouble (503), not a bad token."""

from __future__ import annotations

import pytest
from firebase_admin import auth

from models.accounts.firebase import FirebaseAuth
from models.core.errors import Busy


def test_keys_that_cannot_be_fetched_are_busy_not_an_invalid_token(monkeypatch):
    fb = FirebaseAuth("demo-outage")

    def unreachable(token, app=None, check_revoked=False):
        raise auth.CertificateFetchError("keys unreachable", cause=OSError("no route"))

    monkeypatch.setattr(auth, "verify_id_token", unreachable)
    with pytest.raises(Busy) as caught:
        fb.verify("some.id.token")
    assert caught.value.code == "firebase_unavailable"

    def forged(token, app=None, check_revoked=False):
        raise auth.InvalidIdTokenError("bad signature")

    monkeypatch.setattr(auth, "verify_id_token", forged)
    assert fb.verify("some.id.token") is None  # still a plain 401 for a bad token
