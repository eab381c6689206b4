"""Order placement behind the throttle: every attempt counts, per account and per client
address (ORDER_MAX_PER_ACCOUNT, ORDER_MAX_PER_ADDRESS per ORDER_WINDOW_SECONDS), in the
store the sign-in throttle uses (models/accounts/throttle.py), so every API process sees
one count. What it stops: an account or a host churning orders (holds renewed, codes and
capacity probed) faster than people buy.

On PostgreSQL an order counts its attempt in its first statement (`COUNTED`, a CTE of
the order's READ, which runs in autocommit on the one-statement path): the count commits
whatever becomes of the order, and costs no statement, round trip or connection of its
own. An order written in steps reads in its transaction, which would take the count back
with a refused order: it counts first, by itself (`take_attempt`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, String, bindparam, case, cast, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert

from models.accounts.throttle import THROTTLES, Limit, address_key, counting, refuse_past_limits
from models.core.base import UTCDateTime, utcnow
from models.core.config import Config


def order_limits(config: Config, user_id: int, address: str) -> list[Limit]:
    window = config.order_window_seconds
    return [Limit(f"order:account:{user_id}", config.order_max_per_account, window),
            Limit(f"order:address:{address_key(address)}", config.order_max_per_address,
                  window)]


def _counted():
    """The upsert of `take_attempt` for the keys in the parameter `throttle_keys` (none:
    nothing counted), with the counts it left."""
    def stamp(name: str):
        return cast(bindparam(name, type_=UTCDateTime()), UTCDateTime())
    keys = func.unnest(cast(bindparam("throttle_keys"), ARRAY(String)))
    stmt = pg_insert(THROTTLES).from_select(
        ["key", "window_started_at", "failures"],
        select(keys, stamp("throttle_now"), literal_column("1")))
    return counting(stmt, stamp("throttle_since")).returning(
        THROTTLES.c.key, THROTTLES.c.failures, THROTTLES.c.window_started_at).cte("counted")


COUNTED = _counted()


def _count_commits_unflushed():
    """`set_config('synchronous_commit', 'off', true)` (SET LOCAL) when READ counts: its
    commit then releases the throttle's rows, every order's same two for one account and
    address, without waiting for the WAL flush (a disk's fsync, 3 ms on this machine
    when busy), so orders no longer queue behind one another's flushes for the count.
    What it risks: a server crash in the next few hundred ms may forget the last counts,
    a few attempts more after a crash; READ writes nothing else (its sequence values
    are flushed by the order's WRITE, a synchronous commit, before any is used). Only
    when counting: READ in an order's transaction (which counts on its own) must never
    make that transaction's commit asynchronous."""
    keys = cast(bindparam("throttle_keys"), ARRAY(String))
    return select(case((func.cardinality(keys) > 0, func.set_config(
        literal_column("'synchronous_commit'"), literal_column("'off'"), true())))) \
        .scalar_subquery()


UNFLUSHED = _count_commits_unflushed()


@dataclass(frozen=True)
class Attempt:
    """One attempt to count against `limits` at `now`, in the order's READ."""

    limits: list[Limit]
    now: datetime

    @classmethod
    def of(cls, limits: list[Limit] | None) -> Attempt | None:
        return cls(limits, utcnow()) if limits else None

    def params(self) -> dict:
        [window_s] = {limit.window_s for limit in self.limits}
        return {"throttle_keys": sorted({limit.key for limit in self.limits}),  # lock order
                "throttle_now": self.now,
                "throttle_since": self.now - timedelta(seconds=window_s)}

    def refuse_past_limits(self, keys, failures, starts) -> None:
        """Throttled when the counts READ left passed a limit."""
        refuse_past_limits(list(zip(keys or (), failures or (), starts or (), strict=True)),
                           self.limits, self.now)


NOT_COUNTED = {"throttle_keys": [], "throttle_now": None, "throttle_since": None}
