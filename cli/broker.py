"""`venuebus broker-users`: the backend's broker users, one per role (the compose
deployment's `broker-users` service runs it once before the other processes start)."""

from __future__ import annotations

import click

from cli.secret_key import require_strong
from models.core.config import Config


@click.command("broker-users")
@click.option("--prefix", default="venuebus-", show_default=True,
              help="user names are <prefix><role>")
def broker_users(prefix: str) -> None:
    """Create or update the broker user of every backend role (relay, api, each
    consumer) with its permissions on AMQP_URL's vhost, through the management API
    (BROKER_API_URL/USER/PASSWORD, by default AMQP_URL's host and an administrator's
    credentials there). Each password comes from <ROLE>_AMQP_PASSWORD and must be strong.
    Also bounds the dead-letter queues (DEAD_LETTERS_MAX, a policy). Idempotent: run it
    again to change passwords."""
    from brokerops.admin import BrokerAdmin, BrokerAdminError
    from brokerops.policies import bound_dead_letters
    from brokerops.roles import backend_roles, grant_roles

    roles = backend_roles()
    passwords = require_strong([r.password_variable for r in roles])
    config = Config.from_env()
    try:
        users = grant_roles(BrokerAdmin.from_config(config), config.broker_vhost,
                            {r.name: passwords[r.password_variable] for r in roles},
                            prefix=prefix)
        bound_dead_letters(BrokerAdmin.from_config(config), config.broker_vhost,
                           config.dead_letters_max)
    except BrokerAdminError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"broker users on vhost {config.broker_vhost}: {', '.join(users)}")
    click.echo(f"dead-letter queues keep at most {config.dead_letters_max} letters")
