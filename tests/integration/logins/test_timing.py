"""Which emails have accounts must not show in how long a failed sign-in takes: an
unknown email is checked against a dummy argon2 hash, as long as a wrong password.

The work is counted, not timed: both failures run exactly one argon2 verification with
the same parameters (the cost that dwarfs the rest). The wall-clock figure, which a
shared machine makes noisy, is `python -m bench signin_timing`."""

from __future__ import annotations

import pytest

from models.accounts import users
from models.accounts.users import create_user
from tests.support.api import assert_error


class RecordingHasher:
    """The real PasswordHasher, noting the parameters of each hash it verifies."""

    def __init__(self, real) -> None:
        self.real = real
        self.verified: list[str] = []

    def verify(self, hashed: str, password: str) -> bool:
        self.verified.append(hashed.rsplit("$", 2)[0])  # "$argon2id$v=19$m=…,t=…,p=…"
        return self.real.verify(hashed, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch) -> RecordingHasher:
    recording = RecordingHasher(users._hasher)
    monkeypatch.setattr(users, "_hasher", recording)
    return recording


def _verifications(client, hasher: RecordingHasher, email: str) -> list[str]:
    hasher.verified.clear()
    r = client.post("/v1/auth/login", json={"email": email, "password": "wrong-guess"})
    assert_error(r, 401, "invalid_credentials")
    return list(hasher.verified)


def test_an_unknown_email_costs_the_same_argon2_verification_as_a_wrong_password(
        db, config, app, hasher):
    app.extensions["venuebus"].config = config.with_(login_max_failures=100,
                                                     login_max_failures_per_address=100)
    client = app.test_client()
    create_user(db, "known@example.com", "password123")
    known = _verifications(client, hasher, "known@example.com")
    unknown = _verifications(client, hasher, "nobody@example.com")
    assert len(known) == 1 and known[0].startswith("$argon2")
    assert unknown == known  # one verification, same algorithm and cost parameters
