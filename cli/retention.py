"""`venuebus prune`: delete rows past their horizons now (the relay also does it)."""

from __future__ import annotations

import click

from models.core.config import Config


@click.command()
def prune() -> None:
    """Prune published outbox rows, processed messages and stats facts past their
    horizons, and expired idempotency keys, in small batches."""
    from models.core.db import Database
    from models.core.retention import prune as prune_tables
    from models.registry import retained

    config = Config.from_env()
    database = Database(config)
    try:
        deleted = prune_tables(database, config, retained(config))
    finally:
        database.dispose()
    for table, n in deleted.items():
        click.echo(f"{table}: {n} row(s) deleted")


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, step in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{n} B"


def echo_table_sizes(database, config: Config) -> None:
    """The pruned tables' rows, bytes and oldest row, for `venuebus status`."""
    from models.core.retention import table_sizes
    from models.registry import retained

    click.echo(f"{'table':<28}{'rows':>10}{'size':>11}{'oldest':>9}")
    for t in table_sizes(database, retained(config)):
        click.echo(f"{t.name:<28}{t.rows:>10}{size(t.bytes):>11}{age(t.oldest_age_s):>9}")
