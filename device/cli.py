"""The speaker's command line: the agent, its setup server and a demo media server.
On the Pi `python -m device ...` (or `venuebus-device ...`); the backend's `venuebus
device ...` is the same group. Imports only device, bus and contracts (no SQLAlchemy, no
API)."""

from __future__ import annotations

import logging
import os
import shlex
import signal
from collections.abc import Mapping
from pathlib import Path

import click

from bus.logs import configure_logging

log = logging.getLogger("venuebus.device")


@click.group()
def device() -> None:
    """Smart speaker (runs on the Pi)."""


def agent_amqp_url(given: str | None, paired: bool, env: Mapping[str, str]) -> str | None:
    """The broker URL the agent overrides its config with (None: keep the config's).
    `--amqp-url` wins; a paired config's own URL (the device's broker user) wins over
    AMQP_URL, which `venuebus run` sets for the backend: taking it would connect the
    device with the backend's credentials, and its states would not be its own."""
    if given is not None or paired:
        return given
    return env.get("AMQP_URL")


@device.command()
@click.option("--id", "device_id", help="Device id from POST /v1/speakers.")
@click.option("--token", "device_token", help="Device token from POST /v1/speakers.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Agent config written at pairing (id, token, broker URL).")
@click.option("--amqp-url",
              help="Broker URL, or the nodes' URLs comma-separated [the config's, else env "
                   "AMQP_URL].")
@click.option("--aout", help="libvlc audio output module (default: the system's).")
@click.option("--audio-file", type=click.Path(path_type=Path),
              help="Write decoded audio to this WAV file (implies --aout afile).")
@click.option("--state-dir", type=click.Path(path_type=Path),
              help="Where handled command ids are kept [var/device].")
@click.option("--media-hosts", envvar="SPEAKER_MEDIA_HOSTS",
              help="Comma-separated hosts (host or host:port) a play URL may name besides "
                   "YouTube's [env SPEAKER_MEDIA_HOSTS; default the demo media server].")
def run(device_id, device_token, config_path, amqp_url, aout, audio_file, state_dir,
        media_hosts) -> None:
    """Play what the device's queue commands; report state until SIGTERM."""
    from device.agent import Agent
    from device.config import AgentConfig, load_config

    base = load_config(config_path) if config_path else None
    if base is None and not device_id:
        raise click.UsageError("give --id (and --token) or --config")
    config = (base or AgentConfig(device_id=str(device_id))).with_overrides(
        device_id=str(device_id) if device_id else None, device_token=device_token,
        amqp_url=agent_amqp_url(amqp_url, base is not None, os.environ),
        aout=aout, audio_file=str(audio_file) if audio_file else None,
        state_dir=str(state_dir) if state_dir else None,
        media_hosts=tuple(h.strip() for h in media_hosts.split(",") if h.strip())
        if media_hosts is not None else None)
    agent = Agent(config)
    stop = lambda *_: agent._stopping.set()  # noqa: E731 - handlers only set a flag
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        agent.start()
    except RuntimeError as exc:  # libvlc could not start: no point in taking commands
        raise click.ClickException(str(exc)) from exc
    if agent.link.connected.wait(30):
        click.echo(f"speaker {config.device_id} listening on {config.queue}")
    else:  # keeps trying in the background; the song plays once it connects
        log.warning("broker not reachable yet; speaker %s keeps trying", config.device_id)
    agent.wait()
    agent.close()
    click.echo(f"speaker {config.device_id} stopped")


@device.command("media-server")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("var/media"),
              show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=int)
@click.option("--demo/--no-demo", default=True, help="Create the demo tracks if missing.")
def media_server(directory: Path, host: str, port: int, demo: bool) -> None:
    """Serve a media directory over HTTP with byte ranges (the simulated speaker's music)."""
    from device.media_server import MediaServer, make_demo_media

    if demo:
        make_demo_media(directory)
    server = MediaServer(directory, host=host, port=port)
    for path in sorted(directory.iterdir()):
        if path.is_file():
            click.echo(f"  http://{host}:{server.port}/{path.name}")
    click.echo(f"media server on http://{host}:{server.port}/ serving {directory}")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@device.command("setup-server")
@click.option("--host", default=lambda: os.environ.get("SETUP_HOST", "127.0.0.1"),
              show_default="127.0.0.1", help="Address to bind (the setup hotspot's).")
@click.option("--port", default=8099, show_default=True, type=int)
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              default=Path("var/device/agent.json"), show_default=True,
              help="Where pairing writes the agent config (mode 600).")
@click.option("--token-file", type=click.Path(path_type=Path),
              default=Path("var/device/setup-token"), show_default=True)
@click.option("--nmcli", default="nmcli", show_default=True, help="The nmcli executable.")
def setup_server(host: str, port: int, config_path: Path, token_file: Path, nmcli: str) -> None:
    """Take Wi-Fi and pairing details from the phone app (POST, Bearer setup token)."""
    from device.setup_server import SetupSettings, create_setup_app, setup_token

    token, created = setup_token(token_file)
    if created:  # printed once, at first boot, for the label / the phone app
        click.echo(f"setup token: {token}")
    if not token:
        click.echo("this device is paired: setup is closed (remove the token file to reopen)")
    app = create_setup_app(SetupSettings(token=token, config_path=config_path,
                                         token_file=token_file, nmcli=shlex.split(nmcli)))
    # werkzeug's access log would print any query string a client sent by mistake
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    click.echo(f"setup server on http://{host}:{port}")
    app.run(host=host, port=port)


@click.group(name="venuebus-device")
@click.option("--log-level", default=lambda: os.environ.get("LOG_LEVEL", "INFO"),
              show_default="INFO")
def main(log_level: str) -> None:
    """venuebus's smart speaker (runs on the Pi)."""
    configure_logging(log_level)


for _command in (run, media_server, setup_server):
    main.add_command(_command)
