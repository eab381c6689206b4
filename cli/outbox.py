"""`venuebus outbox quarantined` / `venuebus outbox replay`: rows the relay set aside."""

from __future__ import annotations

import click

from models.core.config import Config


@click.group()
def outbox() -> None:
    """Outbox rows the broker kept refusing (quarantined by the relay)."""


@outbox.command("quarantined")
def outbox_quarantined() -> None:
    """List the quarantined rows, oldest first."""
    from models.core.db import Database
    from models.core.outbox import quarantined

    with Database(Config.from_env()).session() as session:
        rows = quarantined(session)
    click.echo(f"{len(rows)} quarantined outbox row(s)")
    for r in rows:
        click.echo(f"{r.id}  {r.routing_key}  {r.message_id}  attempts={r.attempts}  "
                   f"since {r.quarantined_at.isoformat()}")


@outbox.command("replay")
@click.option("--id", "row_id", type=int, default=None, help="only this outbox row id")
def outbox_replay(row_id: int | None) -> None:
    """Give quarantined rows back to the relay (once the cause is fixed)."""
    from models.core.db import Database
    from models.core.outbox import release_quarantined

    with Database(Config.from_env()).session() as session:
        n = release_quarantined(session, row_id)
        session.commit()
    if row_id is not None and n == 0:
        raise click.ClickException(f"outbox row {row_id} is not quarantined")
    click.echo(f"released {n} row(s) to the relay")
