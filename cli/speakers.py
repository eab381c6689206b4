"""`venuebus speakers demo`: the registered demo speaker `make run` starts an agent for."""

from __future__ import annotations

from pathlib import Path

import click

from models.core.config import Config


@click.group()
def speakers() -> None:
    """Smart speakers (server side)."""


@speakers.command("demo")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              default=Path("var/device/agent.json"), show_default=True,
              help="Agent config to write (mode 600) for `venuebus device run --config`.")
@click.option("--email", default="demo@venuebus.local", show_default=True)
def demo(config_path: Path, email: str) -> None:
    """Make sure a demo user owns a registered speaker and the agent config points at it,
    with the speaker's own broker URL. The demo user's password is random and printed
    once, when the user is created. Idempotent: a config whose speaker and token still
    match is kept."""
    import secrets

    from sqlalchemy import select

    from device.config import AgentConfig, load_config, save_config
    from models.accounts.tables import User
    from models.accounts.users import create_user
    from models.core.db import Database
    from models.core.errors import DomainError
    from models.speakers.identity import device_amqp_url
    from models.speakers.service import register_speaker, speaker_token_matches

    config = Config.from_env()
    db = Database(config)
    try:
        with db.session() as session:
            user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(db, email, password, verified=True)  # mail works at once
            click.echo(f"demo user {email} created; password (shown once): {password}")
        if config_path.exists():
            current = load_config(config_path)
            if current.device_id.isdigit() and speaker_token_matches(
                    db, user, int(current.device_id), current.device_token) and \
                    current.amqp_url == device_amqp_url(config, current.device_id,
                                                        current.device_token):
                click.echo(f"demo speaker {current.device_id} (owner {email}), "
                           f"config {config_path}")
                return
        speaker, token = register_speaker(db, user, "Demo speaker")
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        db.engine.dispose()
    save_config(config_path, AgentConfig(
        device_id=str(speaker.id), device_token=token, api_url=config.base_url,
        amqp_url=device_amqp_url(config, speaker.id, token)))  # its own broker user
    click.echo(f"demo speaker {speaker.id} registered (owner {email}), config {config_path}")
