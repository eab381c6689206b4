"""One config object, built from the environment by a factory (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from contracts.topology import node_urls

DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/%2F"
DAY_S = 24 * 3600
# the longest an unanswered delivery takes to come back from the broker: a lost consumer
# is noticed after two missed heartbeats (30 s each), a stopping one drains for 30 s
REDELIVERY_WAIT_S = 120
MAX_REPLICAS = 5


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw not in (None, "") else default


def driver_url(url: str) -> str:
    """`url` with our driver named: `postgresql://` and `postgres://`, as users and hosting
    providers write them, mean psycopg2 (the driver we ship; SQLAlchemy 2.1 would pick
    psycopg 3 for them). Every other URL is returned unchanged."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme):]
    return url


def with_login(amqp_url: str, user: str | None, password: str | None) -> str:
    """`amqp_url` (one URL or a cluster's node list) with `user` and `password` put into
    every node's URL, replacing what it named; unchanged when `user` is unset. A
    deployment then lists its nodes once and gives each process its own broker user
    (AMQP_USER, AMQP_PASSWORD)."""
    if not user:
        return amqp_url
    login = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
    return ",".join(urlunsplit(parts._replace(netloc=login + parts.netloc.rpartition("@")[2]))
                    for parts in map(urlsplit, node_urls(amqp_url)))


def checked_base_url(url: str) -> str:
    """`url` without a trailing slash, if it is an http(s) URL of a host (and maybe a path
    prefix) with no credentials, query or fragment; else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc \
            or parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ValueError(f"BASE_URL must be http(s)://host[:port][/prefix] without "
                         f"credentials, query or fragment, not {url!r}")
    return url.rstrip("/")


def _delays(raw: str) -> tuple[int, ...]:
    return tuple(int(x) for x in raw.split(",") if x.strip())


@dataclass(frozen=True)
class Config:
    database_url: str = "sqlite:///var/venuebus.db"
    amqp_url: str = DEFAULT_AMQP_URL
    secret_key: str = ""  # unset: the server processes refuse to start (cli/secret_key.py)
    token_ttl_seconds: int = 24 * 3600
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    max_content_length: int = 1024 * 1024
    # the public URL of the API's root: every link, Location and file URL is built from it,
    # never from the request's Host header (`venuebus api` refuses to start without it
    # unless --dev)
    base_url: str = "http://127.0.0.1:8000"
    # the API's Prometheus metrics listen here, not on the public port (0: not served)
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 8100
    # consumers: retry delays in milliseconds, one TTL retry queue per step
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    delivery_limit: int = 20
    # letters a dead-letter queue keeps; older ones go to venuebus.dropped (a policy)
    dead_letters_max: int = 10_000
    prefetch: int = 300
    # the relay quarantines an outbox row the broker refused this many times
    outbox_max_attempts: int = 5
    # retention: published outbox rows are kept this long (for operators to look at);
    # tracking rows (processed messages, stats facts) for the dedupe horizon, which must
    # outlast the longest redelivery path (`redelivery_path_s`)
    outbox_retention_s: int = 7 * DAY_S
    dedupe_horizon_s: int = 7 * DAY_S
    prune_interval_s: float = 300.0  # how often the relay prunes
    prune_batch_size: int = 1000  # rows per DELETE: short locks, small transactions
    badge_storage: str = "var/badges"
    export_storage: str = "var/exports"
    smtp_url: str = ""
    mail_from: str = "venuebus <no-reply@venuebus.local>"
    firebase_project_id: str = ""
    # order lifecycle: how long the API waits for a row lock before answering 503 busy,
    # and the endpoint secret of the Stripe webhook (unset: the webhook answers 503)
    lock_timeout_ms: int = 2000
    stripe_webhook_secret: str = ""
    # RabbitMQ's management HTTP API, for the speaker provisioner (consumers/provisioner.py)
    # and the operator page (brokerops/management.py) (empty:
    # AMQP_URL's host on port 15672, with AMQP_URL's credentials), the broker user name
    # prefix (user names are global on a broker) and the broker URL devices are given
    # (empty: AMQP_URL without its credentials)
    broker_api_url: str = ""
    broker_api_user: str = ""
    broker_api_password: str = ""
    speaker_user_prefix: str = "speaker-"
    speaker_amqp_url: str = ""
    # hosts (`host` or `host:port`) a play query's URL may name besides YouTube's
    speaker_media_hosts: tuple[str, ...] = ("127.0.0.1:8090", "localhost:8090")
    # speakers one user may register: each is a broker user with a quorum queue
    speakers_per_user: int = 10
    # quorum members of each new consumer queue; 0: one per node listed in AMQP_URL, at
    # most MAX_REPLICAS (a majority of 3 survives one node loss, of 5 two)
    quorum_group_size: int = 0
    # units one buyer may hold in pending (unpaid) orders of one event
    # (models/ticketing/orders/holds.py)
    max_pending_units_per_buyer: int = 10
    # an event's currency (ISO 4217) when its owner names none
    default_currency: str = "EUR"
    # order placement (models/ticketing/orders/throttle.py): attempts per account and per
    # client address within ORDER_WINDOW_SECONDS, then 429 until the window ends
    order_max_per_account: int = 30
    order_max_per_address: int = 120
    order_window_seconds: int = 60
    # sign-in throttle (models/accounts/throttle.py), within LOGIN_WINDOW_SECONDS: after
    # LOGIN_MAX_FAILURES failures on one account from one client address (an IPv6 /64
    # counts as one), after LOGIN_MAX_FAILURES_PER_ADDRESS from one address over any
    # accounts, or after LOGIN_MAX_FAILURES_PER_ACCOUNT on one account from anywhere (much
    # higher: a guesser elsewhere must not lock door staff out), sign-in answers 429 until
    # the window ends; sign-up takes SIGNUP_MAX_PER_ADDRESS attempts per address (and
    # LOGIN_MAX_FAILURES per email)
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account: int = 100
    login_window_seconds: int = 900
    signup_max_per_address: int = 20
    # X-Forwarded-For is trusted from this many proxies in front of the API (0: none;
    # the client address is the peer's)
    trusted_proxies: int = 0
    # how long the link mailed at sign-up verifies the address
    verify_email_ttl_seconds: int = 3 * DAY_S
    # where the relay and the consumers write their stage stamps (bus/stages.py);
    # empty: they write none. For benchmarks: the bench reads them back
    stage_log_dir: str = ""
    # the relay on PostgreSQL: batches in flight at once (each holds a connection and its
    # rows' locks until confirmed), and whether a NOTIFY claims the next batch while the
    # oldest awaits its confirm (otherwise new rows wait for that confirm)
    relay_window: int = 2
    relay_claim_on_notify: bool = False
    # ticket types one event may have: an event's tickets are rendered whole (include=)
    max_tickets_per_event: int = 1000

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", driver_url(self.database_url))
        object.__setattr__(self, "base_url", checked_base_url(self.base_url))
        if self.dedupe_horizon_s <= self.redelivery_path_s:
            raise ValueError(
                f"DEDUPE_HORIZON_S ({self.dedupe_horizon_s}s) must exceed the longest "
                f"redelivery path ({self.redelivery_path_s:.0f}s: the retry delays, and "
                f"up to DELIVERY_LIMIT redeliveries of every attempt), or a late "
                f"redelivery would apply twice")

    @property
    def redelivery_path_s(self) -> float:
        """The longest time from a message's first delivery to its last redelivery: every
        retry delay, plus, for each attempt, `delivery_limit` broker redeliveries of at
        most REDELIVERY_WAIT_S each."""
        attempts = len(self.retry_delays_ms) + 1
        return sum(self.retry_delays_ms) / 1000 + attempts * self.delivery_limit * \
            REDELIVERY_WAIT_S

    @property
    def queue_replicas(self) -> int | None:
        """x-quorum-initial-group-size of new consumer queues; None for a single node,
        where the argument would pin a queue to one member after the cluster grew."""
        nodes = len(node_urls(self.amqp_url))
        size = self.quorum_group_size or min(nodes, MAX_REPLICAS)
        return size if nodes > 1 or self.quorum_group_size else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        base = cls()
        port = _int(env, "API_PORT", base.api_port)
        host = env.get("API_HOST", base.api_host)
        return cls(
            database_url=env.get("DATABASE_URL", base.database_url),
            amqp_url=with_login(env.get("AMQP_URL", base.amqp_url), env.get("AMQP_USER"),
                                env.get("AMQP_PASSWORD")),
            secret_key=env.get("SECRET_KEY", base.secret_key),
            token_ttl_seconds=_int(env, "TOKEN_TTL_SECONDS", base.token_ttl_seconds),
            api_host=host,
            api_port=port,
            max_content_length=_int(env, "MAX_CONTENT_LENGTH", base.max_content_length),
            base_url=env.get("BASE_URL") or f"http://{host}:{port}",
            metrics_host=env.get("METRICS_HOST", base.metrics_host),
            metrics_port=_int(env, "METRICS_PORT", port + 100),
            retry_delays_ms=_delays(env["RETRY_DELAYS_MS"])
            if env.get("RETRY_DELAYS_MS")
            else base.retry_delays_ms,
            delivery_limit=_int(env, "DELIVERY_LIMIT", base.delivery_limit),
            dead_letters_max=_int(env, "DEAD_LETTERS_MAX", base.dead_letters_max),
            prefetch=_int(env, "PREFETCH", base.prefetch),
            outbox_max_attempts=_int(env, "OUTBOX_MAX_ATTEMPTS", base.outbox_max_attempts),
            outbox_retention_s=_int(env, "OUTBOX_RETENTION_S", base.outbox_retention_s),
            dedupe_horizon_s=_int(env, "DEDUPE_HORIZON_S", base.dedupe_horizon_s),
            prune_interval_s=float(env.get("PRUNE_INTERVAL_S") or base.prune_interval_s),
            prune_batch_size=_int(env, "PRUNE_BATCH_SIZE", base.prune_batch_size),
            badge_storage=env.get("BADGE_STORAGE", base.badge_storage),
            export_storage=env.get("EXPORT_STORAGE", base.export_storage),
            smtp_url=env.get("SMTP_URL", base.smtp_url),
            mail_from=env.get("MAIL_FROM", base.mail_from),
            firebase_project_id=env.get("FIREBASE_PROJECT_ID", base.firebase_project_id),
            lock_timeout_ms=_int(env, "LOCK_TIMEOUT_MS", base.lock_timeout_ms),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", base.stripe_webhook_secret),
            broker_api_url=env.get("BROKER_API_URL", base.broker_api_url),
            broker_api_user=env.get("BROKER_API_USER", base.broker_api_user),
            broker_api_password=env.get("BROKER_API_PASSWORD", base.broker_api_password),
            speaker_user_prefix=env.get("SPEAKER_USER_PREFIX", base.speaker_user_prefix),
            speaker_amqp_url=env.get("SPEAKER_AMQP_URL", base.speaker_amqp_url),
            speaker_media_hosts=tuple(h.strip() for h in env["SPEAKER_MEDIA_HOSTS"].split(",")
                                      if h.strip())
            if env.get("SPEAKER_MEDIA_HOSTS") is not None else base.speaker_media_hosts,
            speakers_per_user=_int(env, "SPEAKERS_PER_USER", base.speakers_per_user),
            quorum_group_size=_int(env, "QUORUM_INITIAL_GROUP_SIZE", base.quorum_group_size),
            max_pending_units_per_buyer=_int(env, "MAX_PENDING_UNITS_PER_BUYER",
                                             base.max_pending_units_per_buyer),
            default_currency=env.get("DEFAULT_CURRENCY", base.default_currency).upper(),
            order_max_per_account=_int(env, "ORDER_MAX_PER_ACCOUNT",
                                       base.order_max_per_account),
            order_max_per_address=_int(env, "ORDER_MAX_PER_ADDRESS",
                                       base.order_max_per_address),
            order_window_seconds=_int(env, "ORDER_WINDOW_SECONDS", base.order_window_seconds),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", base.login_max_failures),
            login_max_failures_per_address=_int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                base.login_max_failures_per_address),
            login_max_failures_per_account=_int(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT",
                                                base.login_max_failures_per_account),
            login_window_seconds=_int(env, "LOGIN_WINDOW_SECONDS", base.login_window_seconds),
            signup_max_per_address=_int(env, "SIGNUP_MAX_PER_ADDRESS",
                                        base.signup_max_per_address),
            trusted_proxies=_int(env, "TRUSTED_PROXIES", base.trusted_proxies),
            verify_email_ttl_seconds=_int(env, "VERIFY_EMAIL_TTL_SECONDS",
                                          base.verify_email_ttl_seconds),
            stage_log_dir=env.get("STAGE_LOG_DIR", base.stage_log_dir),
            relay_window=max(1, _int(env, "RELAY_WINDOW", base.relay_window)),
            relay_claim_on_notify=env.get("RELAY_CLAIM_ON_NOTIFY", "0").strip().lower()
            not in ("0", "false", "no", "off"),
            max_tickets_per_event=_int(env, "MAX_TICKETS_PER_EVENT",
                                       base.max_tickets_per_event),
        )

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)

    @property
    def broker_api(self) -> tuple[str, str, str]:
        """(management API base URL, user, password), defaults derived from AMQP_URL."""
        amqp = urlsplit(node_urls(self.amqp_url)[0])
        url = self.broker_api_url or f"http://{amqp.hostname or 'localhost'}:15672"
        return (url.rstrip("/"), self.broker_api_user or unquote(amqp.username or "guest"),
                self.broker_api_password or unquote(amqp.password or "guest"))

    @property
    def broker_vhost(self) -> str:
        """The vhost of AMQP_URL (`/` when the URL names none)."""
        path = urlsplit(node_urls(self.amqp_url)[0]).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    @property
    def device_amqp_url(self) -> str:
        """The broker URL (a node list in a cluster) a device connects to, without
        credentials."""
        return ",".join(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
                        for parts in map(urlsplit,
                                         node_urls(self.speaker_amqp_url or self.amqp_url)))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
