"""`venuebus expire-orders`: the loop that expires unpaid pending orders
(models/ticketing/orders/expire.py says why it claims rows instead of waiting on the broker)."""

from __future__ import annotations

import click

from cli.messaging import _on_term, _serve_metrics
from models.core.config import Config


def _metrics(loop):
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    Gauge("venuebus_orders_expired", "Orders this process expired",
          registry=registry).set_function(lambda: loop.expired)
    return registry


@click.command("expire-orders")
@click.option("--poll-interval", default=5.0, show_default=True,
              help="seconds between looks for newly placed orders")
@click.option("--batch-size", default=100, show_default=True,
              help="orders expired per pass (one transaction each)")
@click.option("--metrics-port", type=int, default=None)
def expire_orders(poll_interval: float, batch_size: int, metrics_port: int | None) -> None:
    """Expire pending orders past their expires-at (several may run on PostgreSQL)."""
    from models.core.db import Database
    from models.ticketing.orders.expire import ExpiryLoop

    config = Config.from_env()
    if config.is_sqlite:
        click.echo("SQLite: run one expire-orders process (no SKIP LOCKED)")
    loop = ExpiryLoop(Database(config), poll_interval=poll_interval, batch_size=batch_size)
    _serve_metrics(metrics_port, _metrics(loop))
    _on_term(loop.stop)
    click.echo("expire-orders running")
    loop.run()
    click.echo(f"expire-orders stopped ({loop.expired} expired)")
