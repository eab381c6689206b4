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
@click.option("--password", default="demo-password", show_default=True)
def demo(config_path: Path, email: str, password: str) -> None:
    """Make sure a demo user owns a registered speaker and the agent config points at it.
    Idempotent: a config whose speaker and token still match is kept."""
    from device.config import AgentConfig, load_config, save_config
    from models.accounts.users import authenticate, create_user
    from models.core.db import Database
    from models.core.errors import Conflict, DomainError
    from models.speakers.service import register_speaker, speaker_token_matches

    config = Config.from_env()
    db = Database(config)
    try:
        try:
            user = create_user(db, email, password)
        except Conflict:
            user = authenticate(db, email, password)
        if config_path.exists():
            current = load_config(config_path)
            if current.device_id.isdigit() and speaker_token_matches(
                    db, user, int(current.device_id), current.device_token):
                click.echo(f"demo speaker {current.device_id} (owner {email}), "
                           f"config {config_path}")
                return
        speaker, token = register_speaker(db, user, "Demo speaker")
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        db.engine.dispose()
    save_config(config_path, AgentConfig(device_id=str(speaker.id), device_token=token,
                                         amqp_url=config.amqp_url, api_url=config.base_url))
    click.echo(f"demo speaker {speaker.id} registered (owner {email}), config {config_path}")
