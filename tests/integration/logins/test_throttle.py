"""The sign-in throttle, played by an attacker: guessing passwords from one address over
many accounts, at one account from one address, or at one account from many addresses
(at a much higher count), ends in 429 with Retry-After; a guesser does not lock the
account's owner out from the owner's own address; an IPv6 /64 counts as one address;
the count lives in the database, so other API instances and processes see it; the
account works again once the window has passed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from api.app import create_app
from models.accounts.tables import User
from models.core.db import Database
from tests.support.accounts import let_time_pass
from tests.support.api import JSONAPI, assert_error, doc
from tests.support.pages import csrf_token
from tests.support.processes import ROOT

WINDOW_S = 60
MAX_FAILURES, PER_ADDRESS, PER_ACCOUNT, SIGNUPS = 3, 5, 8, 3


@pytest.fixture
def config(base_config):
    return base_config.with_(login_max_failures=MAX_FAILURES,
                             login_max_failures_per_address=PER_ADDRESS,
                             login_max_failures_per_account=PER_ACCOUNT,
                             login_window_seconds=WINDOW_S, signup_max_per_address=SIGNUPS)


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def login(client, email: str, password: str, address: str = "203.0.113.7", **kw):
    return client.post("/v1/auth/login", json={"email": email, "password": password},
                       environ_base=_from(address), **kw)


def sign_up(client, email: str, address: str = "203.0.113.7"):
    return client.post("/v1/users", json=doc("user", {"email": email,
                                                      "password": "password123"}),
                       headers={"Content-Type": JSONAPI}, environ_base=_from(address))


def _throttled(r) -> int:
    err = assert_error(r, 429, "too_many_attempts")
    assert "wait" in err["detail"].lower()
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= WINDOW_S
    return wait


def _users(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(User))


@pytest.fixture
def accounts(client):
    """Ten accounts signed up from ten addresses (sign-up has its own throttle)."""
    emails = [f"user{i}@example.com" for i in range(10)]
    for i, email in enumerate(emails):
        assert sign_up(client, email, address=f"198.51.100.{i}").status_code == 201
    return emails


def test_one_address_guessing_over_many_accounts_gets_429_then_the_window_ends(client, db,
                                                                               accounts):
    for email in accounts[:PER_ADDRESS]:  # one guess per account: no account limit hit
        assert_error(login(client, email, "wrong-guess"), 401, "invalid_credentials")
    wait = _throttled(login(client, accounts[PER_ADDRESS], "wrong-guess"))
    # even the right password is refused from there: 429 must not tell a right guess
    _throttled(login(client, accounts[0], "password123"))
    # another address, and the accounts themselves, are not locked
    assert login(client, accounts[0], "password123", address="192.0.2.50").status_code == 200
    let_time_pass(db, wait)
    assert login(client, accounts[0], "password123").status_code == 200


def test_signing_into_ones_own_account_between_guesses_resets_nothing(client, accounts):
    """A guesser with an account of their own signs into it after every wrong guess: a
    success forgets that account's failures only, never the address's count."""
    own = accounts[-1]
    for email in accounts[:PER_ADDRESS]:
        assert_error(login(client, email, "wrong-guess"), 401, "invalid_credentials")
        if email != accounts[PER_ADDRESS - 1]:
            assert login(client, own, "password123").status_code == 200
    _throttled(login(client, accounts[PER_ADDRESS], "wrong-guess"))
    _throttled(login(client, own, "password123"))


def test_a_guesser_at_one_address_does_not_lock_the_owner_out_elsewhere(client, accounts):
    victim = accounts[0]
    for _ in range(MAX_FAILURES):
        assert_error(login(client, victim, "wrong-guess", address="203.0.113.66"), 401)
    _throttled(login(client, victim, "wrong-guess", address="203.0.113.66"))
    _throttled(login(client, victim, "password123", address="203.0.113.66"))
    # the door staff member, at the venue's address, still signs in mid-event
    assert login(client, victim, "password123", address="192.0.2.10").status_code == 200


def test_an_ipv6_slash_64_counts_as_one_address(client, accounts):
    for i, email in enumerate(accounts[:PER_ADDRESS]):  # a new address of the /64 each
        assert_error(login(client, email, "wrong-guess", address=f"2001:db8:1:2::{i + 1}"),
                     401)
    _throttled(login(client, accounts[PER_ADDRESS], "wrong-guess",
                     address="2001:db8:1:2:ffff::9"))
    # another /64 is another address
    assert login(client, accounts[0], "password123", address="2001:db8:1:3::1") \
        .status_code == 200


def test_one_account_guessed_from_many_addresses_gets_429_then_works_again(client, db,
                                                                           accounts):
    victim = accounts[0]
    for i in range(PER_ACCOUNT):
        assert_error(login(client, victim, "wrong-guess", address=f"10.0.0.{i}"), 401)
    wait = _throttled(login(client, victim, "wrong-guess", address="10.0.0.99"))
    _throttled(login(client, victim, "password123", address="10.0.0.100"))
    assert login(client, accounts[1], "password123", address="10.0.0.99").status_code == 200
    let_time_pass(db, wait - 15)  # a margin for this machine's pace
    _throttled(login(client, victim, "password123", address="10.0.0.101"))
    let_time_pass(db, 15)
    r = login(client, victim, "password123", address="10.0.0.101")
    assert r.status_code == 200 and r.get_json()["access_token"]


def test_x_forwarded_for_does_not_make_new_addresses_without_trusted_proxies(client,
                                                                             accounts):
    for i, email in enumerate(accounts[:PER_ADDRESS]):
        r = login(client, email, "wrong-guess", headers={"X-Forwarded-For": f"10.9.9.{i}"})
        assert r.status_code == 401
    _throttled(login(client, accounts[PER_ADDRESS], "wrong-guess",
                     headers={"X-Forwarded-For": "10.9.9.200"}))


def test_the_count_is_shared_by_two_app_instances_with_their_own_engines(config, db,
                                                                         accounts):
    other_db = Database(config)
    try:
        first = create_app(config, db).test_client()
        second = create_app(config, other_db).test_client()
        for i in range(PER_ACCOUNT):
            app = first if i % 2 else second
            assert_error(login(app, accounts[0], "wrong-guess", address=f"10.1.0.{i}"), 401)
        _throttled(login(first, accounts[0], "password123", address="10.1.0.50"))
        _throttled(login(second, accounts[0], "password123", address="10.1.0.51"))
    finally:
        other_db.dispose()


GUESSER = """
import json, sys
from api.app import create_app
from models.core.config import Config
config = Config(**json.loads(sys.argv[1]))
client = create_app(config).test_client()
for i in range(int(sys.argv[3])):
    r = client.post("/v1/auth/login", json={"email": sys.argv[2], "password": "wrong"},
                    environ_base={"REMOTE_ADDR": f"10.2.0.{i}"})
    print(r.status_code)
"""


def test_failures_counted_by_another_process_lock_the_account_here(client, config,
                                                                   accounts):
    settings = {"database_url": config.database_url, "secret_key": config.secret_key,
                "login_max_failures": MAX_FAILURES,
                "login_max_failures_per_account": PER_ACCOUNT, "login_window_seconds": WINDOW_S}
    out = subprocess.run([sys.executable, "-c", GUESSER, json.dumps(settings), accounts[0],
                          str(PER_ACCOUNT)], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["401"] * PER_ACCOUNT, out.stderr
    _throttled(login(client, accounts[0], "password123", address="10.2.0.99"))


def test_sign_ups_from_one_address_are_throttled_and_the_refused_one_creates_nothing(
        client, db):
    for i in range(SIGNUPS):
        assert sign_up(client, f"bot{i}@example.com").status_code == 201
    _throttled(sign_up(client, "bot-extra@example.com"))
    assert _users(db) == SIGNUPS
    assert sign_up(client, "human@example.com", address="192.0.2.9").status_code == 201


def test_probing_one_email_by_signing_it_up_again_is_throttled(client, db):
    assert sign_up(client, "taken@example.com", address="10.3.0.0").status_code == 201
    for i in range(1, MAX_FAILURES):
        assert_error(sign_up(client, "taken@example.com", address=f"10.3.0.{i}"), 409)
    _throttled(sign_up(client, "taken@example.com", address="10.3.0.99"))
    assert _users(db) == 1


def test_the_sign_in_page_says_to_wait_with_429_and_retry_after(client, accounts):
    for _ in range(MAX_FAILURES):
        assert_error(login(client, accounts[0], "wrong-guess", address="10.4.0.50"), 401)
    token = csrf_token(client)
    r = client.post("/signin", data={"email": accounts[0], "password": "password123",
                                     "csrf_token": token}, environ_base=_from("10.4.0.50"))
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= WINDOW_S
    assert "Too many failed sign-ins" in r.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # not signed in


def test_the_throttle_counts_and_restarts_its_window_on_sqlite_too(tmp_path, config):
    from datetime import timedelta

    from models.accounts.throttle import Limit, check_limits, count_failure
    from models.core.base import utcnow
    from models.core.errors import Throttled
    from models.core.migrate import upgrade

    url = f"sqlite:///{tmp_path}/t.db"
    upgrade(url)
    sdb = Database(config.with_(database_url=url))
    try:
        limits = [Limit("login:account:a@example.com", 2, 60)]
        start = utcnow()
        count_failure(sdb, limits, now=start)
        check_limits(sdb, limits, now=start)
        count_failure(sdb, limits, now=start + timedelta(seconds=1))
        with pytest.raises(Throttled) as caught:
            check_limits(sdb, limits, now=start + timedelta(seconds=10))
        assert caught.value.retry_after == 50
        later = start + timedelta(seconds=61)
        check_limits(sdb, limits, now=later)  # the window is over
        count_failure(sdb, limits, now=later)  # a new window, one failure in it
        check_limits(sdb, limits, now=later)
    finally:
        sdb.dispose()


def test_counts_whose_window_ended_are_pruned_and_live_ones_kept(client, db, config,
                                                                accounts):
    from models.accounts.tables import AuthThrottle
    from models.core.retention import prune
    from models.registry import retained

    assert_error(login(client, accounts[0], "wrong-guess"), 401)
    assert_error(login(client, accounts[1], "wrong-guess", address="10.5.0.1"), 401)
    let_time_pass(db, WINDOW_S + 1)
    assert_error(login(client, accounts[2], "wrong-guess", address="10.5.0.2"), 401)
    prune(db, config, retained(config))
    with db.session() as s:
        keys = set(s.scalars(select(AuthThrottle.key)))
    assert keys == {f"login:pair:{accounts[2]}:10.5.0.2", f"login:account:{accounts[2]}",
                    "login:address:10.5.0.2"}
