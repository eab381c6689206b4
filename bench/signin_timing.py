"""Failed sign-ins, known email against unknown: the figure the login tests no longer
assert (tests/integration/logins/test_timing.py counts the argon2 verifications
instead). Paired samples: each pair tries a known email with a wrong password and an
unknown email back to back, in alternating order, so machine load hits both alike; the
table gives the median of the per-pair ratios and its spread. Not a test.

    python -m bench signin_timing
"""

from __future__ import annotations

import secrets
import time

from api.app import create_app
from bench.common import database, percentile, table
from models.accounts.users import create_user
from models.core.config import Config
from models.core.db import Database

PAIRS = 60


def _failed_signin_ms(client, email: str) -> float:
    started = time.perf_counter()
    r = client.post("/v1/auth/login", json={"email": email, "password": "wrong-guess"})
    elapsed = (time.perf_counter() - started) * 1000
    assert r.status_code == 401, r.get_json()
    return elapsed


def main() -> None:
    with database() as db_url:
        config = Config(database_url=db_url, secret_key=secrets.token_urlsafe(48),
                        login_max_failures=10 * PAIRS, login_max_failures_per_address=10 * PAIRS)
        db = Database(config)
        try:
            create_user(db, "known@example.com", "password123")
            client = create_app(config, db).test_client()
            _failed_signin_ms(client, "warm-up@example.com")
            known, unknown, ratios = [], [], []
            for i in range(PAIRS):
                order = ("known@example.com", "nobody@example.com")[:: 1 if i % 2 else -1]
                took = {email: _failed_signin_ms(client, email) for email in order}
                known.append(took["known@example.com"])
                unknown.append(took["nobody@example.com"])
                ratios.append(unknown[-1] / known[-1])
        finally:
            db.dispose()
    table(f"failed sign-in, {PAIRS} paired samples (ms; ratio unknown/known per pair)",
          ["", "p10", "median", "p90"],
          [["known email, wrong password"] + [percentile(known, p) for p in (10, 50, 90)],
           ["unknown email"] + [percentile(unknown, p) for p in (10, 50, 90)],
           ["ratio"] + [percentile(ratios, p) for p in (10, 50, 90)]])
