"""Which emails have accounts must not show in how long a failed sign-in takes: an
unknown email is checked against a dummy argon2 hash, as long as a wrong password."""

from __future__ import annotations

import statistics
import time

from models.accounts.users import create_user
from tests.support.api import assert_error

ROUNDS = 7


def _median_ms(client, email: str) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        r = client.post("/v1/auth/login", json={"email": email, "password": "wrong-guess"})
        times.append((time.perf_counter() - start) * 1000)
        assert_error(r, 401, "invalid_credentials")
    return statistics.median(times)


def test_an_unknown_email_takes_as_long_as_a_known_one_with_a_wrong_password(db, config,
                                                                            app):
    app.extensions["venuebus"].config = config.with_(login_max_failures=100,
                                                     login_max_failures_per_address=100)
    client = app.test_client()
    create_user(db, "known@example.com", "password123")
    _median_ms(client, "warm-up@example.com")
    known = _median_ms(client, "known@example.com")
    unknown = _median_ms(client, "nobody@example.com")
    # without the dummy hash an unknown email answers in well under a tenth of the time
    assert 0.6 < unknown / known < 1.6, (unknown, known)
