"""Order placement behind the throttle: every attempt counts, per account and per client
address (ORDER_MAX_PER_ACCOUNT, ORDER_MAX_PER_ADDRESS per ORDER_WINDOW_SECONDS), in the
store the sign-in throttle uses (models/accounts/throttle.py), so every API process sees
one count. What it stops: an account or a host churning orders (holds renewed, codes and
capacity probed) faster than people buy."""

from __future__ import annotations

from models.accounts.throttle import Limit, address_key, take_attempt
from models.core.config import Config
from models.core.db import Database


def order_limits(config: Config, user_id: int, address: str) -> list[Limit]:
    window = config.order_window_seconds
    return [Limit(f"order:account:{user_id}", config.order_max_per_account, window),
            Limit(f"order:address:{address_key(address)}", config.order_max_per_address,
                  window)]


def throttle_order_placement(db: Database, config: Config, user_id: int,
                             address: str) -> None:
    """Count this attempt to place an order; Throttled (429, with the wait) past a limit.
    One statement (a round trip, no transaction)."""
    take_attempt(db, order_limits(config, user_id, address))
