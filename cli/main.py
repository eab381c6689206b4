"""`venuebus` group. Subcommands load lazily so `venuebus device` needs no server deps."""

from __future__ import annotations

import importlib
import logging
import os

import click

from bus.logs import configure_logging

# name -> "module:attribute"; each module is imported only when its command runs
COMMANDS = {
    "api": "cli.server:api",
    "db": "cli.server:db",
    "users": "cli.server:users",
    "relay": "cli.messaging:relay",
    "expire-orders": "cli.expiry:expire_orders",
    "consume": "cli.messaging:consume",
    "dlq": "cli.messaging:dlq",
    "outbox": "cli.outbox:outbox",
    "prune": "cli.retention:prune",
    "status": "cli.messaging:status",
    "run": "cli.supervisor:run",
    "device": "device.cli:device",
    "devsmtp": "cli.devsmtp:devsmtp",
    "speakers": "cli.speakers:speakers",
    "asyncapi": "cli.messaging:asyncapi",
    "broker-users": "cli.broker:broker_users",
    "health": "cli.health:health",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
@click.option("--log-level", default=lambda: os.environ.get("LOG_LEVEL", "INFO"),
              show_default="INFO")
def main(log_level: str) -> None:
    """venuebus: event platform backend (API, relay, consumers, speaker agent)."""
    configure_logging(log_level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


if __name__ == "__main__":
    main()
