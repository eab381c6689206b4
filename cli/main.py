"""`venuebus` group. Subcommands load lazily so `venuebus device` needs no server deps."""

from __future__ import annotations

import importlib
import logging
import os

import click

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
    "device": "cli.device:device",
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
    logging.basicConfig(level=log_level.upper(),
                        format='{"t":"%(asctime)s","level":"%(levelname)s",'
                               '"logger":"%(name)s","msg":"%(message)s"}')
    # pika logs every failed connect attempt as ERROR with a traceback; our loops log one
    # warning per attempt instead.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


if __name__ == "__main__":
    main()
