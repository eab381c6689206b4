"""Signing in and up behind the throttle: per account and per client address, counted in
the database (models/accounts/throttle.py), with the limits of the Config."""

from __future__ import annotations

from models.accounts.tables import User
from models.accounts.throttle import (
    Limit,
    address_key,
    check_limits,
    clear_limits,
    count_failure,
)
from models.accounts.users import authenticate, create_user, normalise_email
from models.core.config import Config
from models.core.db import Database
from models.core.errors import Unauthorized


def login_limits(config: Config, email: str, address: str) -> list[Limit]:
    """The (account, address) pair's limit, the account's (much higher: a guesser
    elsewhere must not lock its owner out), then the address's (any accounts)."""
    window, account, where = config.login_window_seconds, normalise_email(email)[:255], \
        address_key(address)
    return [Limit(f"login:pair:{account}:{where}", config.login_max_failures, window),
            Limit(f"login:account:{account}", config.login_max_failures_per_account, window),
            Limit(f"login:address:{where}", config.login_max_failures_per_address, window)]


def sign_in(db: Database, config: Config, email: str, password: str, address: str) -> User:
    """`authenticate`, refused with Throttled (429, nothing checked) while the account or
    the client address has used up its failures in the window, even for the right
    password (else the throttle would tell which guess was right). A failure counts for
    all three; a success forgets the pair's and the account's failures (not the
    address's)."""
    limits = login_limits(config, email, address)
    check_limits(db, limits)
    try:
        user = authenticate(db, email, password)
    except Unauthorized:
        count_failure(db, limits)
        raise
    clear_limits(db, [limits[0].key, limits[1].key])
    return user


def sign_up(db: Database, config: Config, email: str, password: str, address: str, *,
            display_name: str | None = None) -> User:
    """`create_user` behind the throttle: every attempt counts, per client address
    (SIGNUP_MAX_PER_ADDRESS) and per email (LOGIN_MAX_FAILURES), successful ones too
    (mass sign-ups and probing which addresses have accounts are what it stops)."""
    window = config.login_window_seconds
    limits = [Limit(f"signup:account:{normalise_email(email)[:255]}",
                    config.login_max_failures, window),
              Limit(f"signup:address:{address_key(address)}", config.signup_max_per_address,
                    window)]
    check_limits(db, limits)
    count_failure(db, limits)
    return create_user(db, email, password, display_name=display_name)
