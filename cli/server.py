"""`venuebus api`, `venuebus db ...`, `venuebus users ...`."""

from __future__ import annotations

import multiprocessing
import os

import click

from models.core.config import Config


@click.command()
@click.option("--host", default=None, help="Bind address (default API_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port (default API_PORT or 8000)")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default 2 per core)")
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn, "
              "/metrics on the same port; starts even with a weak or unset SECRET_KEY or an "
              "unset BASE_URL")
def api(host: str | None, port: int | None, workers: int | None, dev: bool) -> None:
    """Serve the HTTP API (gunicorn); metrics on METRICS_HOST:METRICS_PORT."""
    from cli.base_url import checked_base_url
    from cli.secret_key import checked_config

    config = checked_config(dev)
    host, port = host or config.api_host, port or config.api_port
    config = checked_base_url(config, dev, host, port)
    if not os.environ.get("METRICS_PORT"):  # beside the port actually served
        config = config.with_(metrics_port=port + 100)
    if dev:
        from api.app import create_app

        create_app(config, metrics_route=True).run(host=host, port=port)
        return
    from cli.api_server import serve_api

    serve_api(config, host, port, workers or 2 * multiprocessing.cpu_count())


@click.group()
def db() -> None:
    """Database schema (alembic)."""


@db.command()
@click.option("--revision", default="heads")
@click.option("--roles", is_flag=True,
              help="then create or update the process roles' logins and grants "
                   "(<ROLE>_DB_PASSWORD each; see models/core/db_roles.py)")
@click.option("--prefix", default="venuebus_", show_default=True,
              help="with --roles: logins are <prefix><role>")
def upgrade(revision: str, roles: bool, prefix: str) -> None:
    """Apply migrations up to REVISION (default: heads). With --roles (the compose
    migration job), also give each process role (api, relay, expire, consumer) a login
    with only the rights it needs, as the schema's owner. Idempotent."""
    from models.core.migrate import upgrade as do_upgrade

    url = Config.from_env().database_url
    passwords = _role_passwords() if roles else {}
    do_upgrade(url, revision)
    click.echo(f"database at {url.split('@')[-1]} is at {revision}")
    if roles:
        from models.core.db import make_engine
        from models.core.db_roles import grant_database_roles

        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                logins = grant_database_roles(conn, passwords, prefix=prefix)
        finally:
            engine.dispose()
        click.echo(f"database roles: {', '.join(logins)}")


def _role_passwords() -> dict[str, str]:
    """Each role's password from <ROLE>_DB_PASSWORD; exits EX_CONFIG on a weak one."""
    from cli.secret_key import require_strong
    from models.core.db_roles import DB_ROLES

    passwords = require_strong([r.password_variable for r in DB_ROLES])
    return {r.name: passwords[r.password_variable] for r in DB_ROLES}


@db.command()
@click.option("--revision", default="-1")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from models.core.migrate import downgrade as do_downgrade

    do_downgrade(Config.from_env().database_url, revision)


@click.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Give the user the admin role")
def create(email: str, password: str, admin: bool) -> None:
    """Create a user (use --admin for an administrator); the operator vouches for the
    address, so it counts as verified."""
    from models.accounts.users import create_user
    from models.core.db import Database
    from models.core.errors import DomainError

    database = Database(Config.from_env())
    try:
        user = create_user(database, email, password, is_admin=admin, verified=True)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"user {user.id} {user.email}{' (admin)' if admin else ''} created")
