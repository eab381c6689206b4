"""`venuebus relay`, `venuebus consume NAME`, `venuebus dlq ...`, `venuebus status`."""

from __future__ import annotations

import logging
import os
import signal
import sys

import click

from cli.secret_key import checked_config
from contracts.topology import QUEUES
from models.core.config import Config

EX_CONFIG = os.EX_CONFIG  # a configuration problem: supervisors must not restart in a loop
log = logging.getLogger("venuebus")
# the consumers that sign or verify with SECRET_KEY (mail: the verification and invitation
# links); the relay and every other consumer start without it and never hold it
SIGNERS = frozenset({"mail"})


def without_secret_key(config: Config) -> Config:
    """`config` for a process that signs nothing: SECRET_KEY dropped, even when set, so a
    leak of that process leaks no key (and a signing call there fails loudly)."""
    return config.with_(secret_key="")


def _on_term(stop) -> None:
    def handler(signum, _frame) -> None:
        log.info("signal %d: draining", signum)
        stop()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _serve_metrics(port: int | None, registry) -> None:
    if port:
        import os

        from prometheus_client import start_http_server

        host = os.environ.get("METRICS_HOST", "127.0.0.1")  # 0.0.0.0 in a container
        start_http_server(port, addr=host, registry=registry)
        click.echo(f"metrics on http://{host}:{port}/metrics")


@click.command()
@click.option("--batch-size", default=1000, show_default=True)
@click.option("--poll-interval", default=1.0, show_default=True, help="seconds")
@click.option("--metrics-port", type=int, default=None)
@click.option("--prune/--no-prune", default=True, show_default=True,
              help="prune old rows every PRUNE_INTERVAL_S (see `venuebus prune`)")
@click.option("--dev", is_flag=True, help="accepted for symmetry: the relay signs nothing")
def relay(batch_size: int, poll_interval: float, metrics_port: int | None,
          prune: bool, dev: bool) -> None:
    """Publish the outbox to RabbitMQ (several may run on PostgreSQL), and prune."""
    import pika

    from bus.connection import TopologyMismatch, connection_parameters
    from bus.stages import StageLog
    from models.core.retention import Pruner
    from models.registry import retained
    from producers.declare import declare_all
    from producers.publisher import ConfirmingPublisher
    from producers.relay import Relay, relay_database

    config = without_secret_key(Config.from_env())

    def declare() -> None:
        with pika.BlockingConnection(connection_parameters(config.amqp_url)) as conn:
            declare_all(conn.channel(), config)

    try:
        declare()
    except TopologyMismatch as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EX_CONFIG)
    except pika.exceptions.AMQPError as exc:
        log.warning("broker not reachable yet (%r): the relay will keep trying", exc)
    r = Relay(relay_database(config), ConfirmingPublisher(config.amqp_url), batch_size=batch_size,
              poll_interval=poll_interval, declare=declare, window=config.relay_window,
              claim_on_notify=config.relay_claim_on_notify,
              stages=StageLog.open(config.stage_log_dir, "relay"))
    _serve_metrics(metrics_port, r.metrics.registry)
    _on_term(r.stop)
    pruner = Pruner(r.db, config, retained(config)).start() if prune else None
    click.echo("relay running")
    try:
        r.run()
    except TopologyMismatch as exc:  # found on a reconnect: as at startup, no crash loop
        click.echo(f"error: {exc}", err=True)
        sys.exit(EX_CONFIG)
    finally:
        if pruner is not None:
            pruner.stop()


@click.command()
@click.argument("name", type=click.Choice(list(QUEUES)))
@click.option("--prefetch", type=int, default=None, help=f"default PREFETCH or {Config.prefetch}")
@click.option("--metrics-port", type=int, default=None)
@click.option("--drain-deadline", default=30.0, show_default=True, help="seconds")
@click.option("--dev", is_flag=True, help="Start even with a weak or unset SECRET_KEY "
              "(and, for mail, BASE_URL)")
def consume(name: str, prefetch: int | None, metrics_port: int | None,
            drain_deadline: float, dev: bool) -> None:
    """Run consumer NAME (start more processes to scale it)."""
    from bus.connection import TopologyMismatch
    from consumers.app import build_consumer

    config = checked_config(dev) if name in SIGNERS else without_secret_key(Config.from_env())
    if name == "mail":  # its badge links are built from BASE_URL
        from cli.base_url import checked_base_url

        config = checked_base_url(config, dev, config.api_host, config.api_port)
    loop, metrics = build_consumer(config, name, prefetch=prefetch,
                                   drain_deadline=drain_deadline)
    _serve_metrics(metrics_port, metrics.registry)
    _on_term(loop.stop)
    click.echo(f"consumer {name} running")
    try:
        loop.run()
    except TopologyMismatch as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EX_CONFIG)
    click.echo(f"consumer {name} stopped")


def _channel():
    import pika

    from bus.connection import connection_parameters

    conn = pika.BlockingConnection(connection_parameters(Config.from_env().amqp_url,
                                                         name="venuebus-cli"))
    return conn, conn.channel()


def _broker_user() -> str:
    from bus.connection import connection_parameters

    return connection_parameters(Config.from_env().amqp_url)[0].credentials.username


@click.group()
def dlq() -> None:
    """Dead letters: list and replay."""


@dlq.command("list")
@click.argument("name")
def dlq_list(name: str) -> None:
    """Show the dead letters of consumer NAME."""
    from brokerops.deadletters import PAGE, list_dead

    conn, channel = _channel()
    with conn:
        letters = list_dead(channel, name, PAGE)
    click.echo(f"{len(letters)} dead letter(s) in venuebus.{name}.dead"
               + (f" (the first {PAGE})" if len(letters) >= PAGE else ""))
    for d in letters:
        click.echo(f"{d.message_id}  {d.type}  attempts={d.attempts}  {d.last_error}")


@dlq.command("replay")
@click.argument("name")
@click.option("--id", "message_id", default=None, help="only this message id")
def dlq_replay(name: str, message_id: str | None) -> None:
    """Put dead letters of consumer NAME back into its queue."""
    from brokerops.deadletters import replay_dead

    conn, channel = _channel()
    with conn:
        # stamped as ours: the consumer (same credentials) trusts the kept origin header
        n = replay_dead(channel, name, message_id,
                        user_id=_broker_user())
    click.echo(f"replayed {n} message(s) into venuebus.{name}")


@click.command()
def status() -> None:
    """Outbox lag, the pruned tables' sizes and oldest rows, and, per queue, depth,
    consumers and dead letters."""
    from brokerops.policies import DROPPED
    from cli.retention import echo_table_sizes
    from contracts.topology import dead_queue, queue_name
    from models.core.db import Database
    from models.core.outbox import count_quarantined, outbox_lag
    from models.core.waits import current_waits
    from producers.broker import queue_counts

    config = Config.from_env()
    database = Database(config)
    with database.session() as session:
        pending, lag = outbox_lag(session)
        held = count_quarantined(session)
        waits = current_waits(session)
    click.echo(f"outbox: {pending} unpublished, oldest {lag:.1f}s; {held} quarantined"
               + (" (venuebus outbox quarantined)" if held else ""))
    for wait in waits:
        click.echo(f"{wait} (since {wait.since:%Y-%m-%d %H:%M:%S} UTC)")
    echo_table_sizes(database, config)
    conn, _ = _channel()
    with conn:
        click.echo(f"{'queue':<28}{'ready':>8}{'consumers':>11}{'dead':>8}")
        for name in QUEUES:
            main = queue_counts(conn.channel(), queue_name(name)) or (0, 0)
            dead = queue_counts(conn.channel(), dead_queue(name)) or (0, 0)
            click.echo(f"{queue_name(name):<28}{main[0]:>8}{main[1]:>11}{dead[0]:>8}")
        dropped = queue_counts(conn.channel(), DROPPED)
        click.echo(f"dead letters dropped past the bound: {dropped[0]} ({DROPPED})"
                   if dropped else "dead letters unbounded: no policy applied "
                   "(venuebus broker-users, or venuebus run with the management API)")


@click.command()
@click.option("--check", is_flag=True, help="exit 1 if docs/asyncapi.json is stale")
def asyncapi(check: bool) -> None:
    """Write docs/asyncapi.json from the event contracts."""
    from contracts.asyncapi import DOC_PATH, render

    text = render()
    if check:
        sys.exit(0 if DOC_PATH.exists() and DOC_PATH.read_text() == text else 1)
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(text)
    click.echo(f"wrote {DOC_PATH}")
