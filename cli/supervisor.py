"""`venuebus run`: the whole system under one supervisor (what `make run` starts).

Children are ordinary `venuebus` processes; one that dies is restarted with backoff,
except on a configuration error (exit 78). Ctrl-C or SIGTERM stops them all cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from cli.messaging import EX_CONFIG
from contracts.topology import node_urls
from models.core.config import Config


@dataclass
class Child:
    name: str
    args: list[str]
    where: str = ""
    popen: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.popen = subprocess.Popen([sys.executable, "-m", "cli", *self.args],
                                      env={**os.environ, **self.env})


def plan(config: Config, workers: int) -> list[Child]:
    """The processes of the whole system, with where each listens."""
    from contracts.topology import QUEUES

    port = config.api_port
    children = [
        Child("api", ["api", "--workers", str(workers)],
              f"http://{config.api_host}:{port} (docs /docs), metrics "
              f"http://{config.metrics_host}:{config.metrics_port}/metrics"),
        Child("relay", ["relay", "--metrics-port", str(port + 101)],
              f"metrics http://127.0.0.1:{port + 101}/metrics"),
        Child("expire-orders", ["expire-orders"], "gives back unpaid orders' tickets"),
    ]
    for i, name in enumerate(sorted(QUEUES), start=2):
        children.append(Child(f"consume {name}", ["consume", name, "--metrics-port",
                                                  str(port + 100 + i)],
                              f"metrics http://127.0.0.1:{port + 100 + i}/metrics"))
    if not config.smtp_url:  # badge mails go to a local dev server, written to var/mail/
        from cli.devsmtp import DEFAULT_PORT

        smtp_url = f"smtp://127.0.0.1:{DEFAULT_PORT}"
        for child in children:
            child.env["SMTP_URL"] = smtp_url
        children.insert(0, Child("devsmtp", ["devsmtp", "--port", str(DEFAULT_PORT),
                                             "--dir", "var/mail"],
                                 f"{smtp_url}, SMTP_URL unset: mails written to var/mail/"))
    return children + demo_speaker()


DEMO_AGENT_CONFIG = Path("var/device/agent.json")


def demo_speaker() -> list[Child]:
    """A simulated speaker (file audio output) and a media server with demo tracks, when
    `venuebus speakers demo` has registered one (make run does)."""
    if not DEMO_AGENT_CONFIG.exists():
        click.echo(f"no {DEMO_AGENT_CONFIG}: no demo speaker (`venuebus speakers demo` "
                   "registers one)")
        return []
    return [
        Child("media", ["device", "media-server", "--dir", "var/media", "--port", "8090"],
              "http://127.0.0.1:8090/ (demo tracks hello.wav, tone.wav)"),
        Child("speaker", ["device", "run", "--config", str(DEMO_AGENT_CONFIG), "--aout",
                          "afile", "--audio-file", "var/speaker.wav", "--state-dir",
                          "var/device"],
              "demo speaker, audio written to var/speaker.wav"),
    ]


def management_reachable(config: Config) -> str | None:
    """None when the broker's management API answers (the provisioner needs it to give
    speakers their broker users), else why not."""
    from brokerops.admin import BrokerAdmin, BrokerAdminError

    try:
        BrokerAdmin.from_config(config).call("GET", "overview")
        return None
    except BrokerAdminError as exc:
        return str(exc)


def bound_dead_letters_of(config: Config) -> str | None:
    """Apply the dead-letter bound (brokerops/policies.py) on AMQP_URL's vhost; None
    when done, else why not."""
    from brokerops.admin import BrokerAdmin, BrokerAdminError
    from brokerops.policies import bound_dead_letters

    try:
        bound_dead_letters(BrokerAdmin.from_config(config), config.broker_vhost,
                           config.dead_letters_max)
        return None
    except BrokerAdminError as exc:
        return str(exc)


def broker_reachable(amqp_url: str) -> str | None:
    """None when RabbitMQ answers, else why not."""
    import pika

    from bus.connection import connection_parameters

    try:
        pika.BlockingConnection(connection_parameters(amqp_url, name="venuebus-run")).close()
        return None
    except Exception as exc:  # noqa: BLE001 - reported to the user as is
        return repr(exc)


@click.command()
@click.option("--workers", type=int, default=2, show_default=True, help="API workers")
@click.option("--secret-file", type=click.Path(path_type=Path),
              default=Path("var/secret-key"), show_default=True,
              help="Where the SECRET_KEY is kept (made once, mode 600) when SECRET_KEY is unset")
def run(workers: int, secret_file: Path) -> None:
    """Start the API, the relay and every consumer; Ctrl-C stops them all."""
    from cli.secret_key import kept_secret_key

    if not os.environ.get("SECRET_KEY"):  # children inherit it; their own check still runs
        os.environ["SECRET_KEY"] = kept_secret_key(secret_file)
        click.echo(f"SECRET_KEY from {secret_file}")
    config = Config.from_env()
    if not os.environ.get("BASE_URL"):  # the API and mail consumer refuse to start without
        os.environ["BASE_URL"] = config.base_url  # it: locally, the API's own address
    problem = broker_reachable(config.amqp_url)
    if problem:
        nodes = ", ".join(url.split("@")[-1] for url in node_urls(config.amqp_url))
        click.secho(f"RabbitMQ is not reachable at {nodes}: {problem}\n"
                    "Start it (e.g. `rabbitmq-server -detached`, or `docker run -p 5672:5672 "
                    "rabbitmq:3`) or set AMQP_URL. The API still takes requests meanwhile; "
                    "the relay and consumers keep retrying.", fg="yellow", err=True)
    elif (no_api := management_reachable(config)) is not None:
        click.secho(f"The RabbitMQ management API does not answer ({no_api}).\n"
                    "Speakers get their broker users through it: run `rabbitmq-plugins "
                    "enable rabbitmq_management` (or set BROKER_API_URL). Everything else "
                    "runs; the demo speaker connects once the provisioner has created its "
                    "user.", fg="yellow", err=True)
    elif (unbounded := bound_dead_letters_of(config)) is not None:
        click.secho(f"Dead-letter queues stay unbounded: {unbounded}", fg="yellow", err=True)
    if config.is_sqlite:
        click.echo(f"database: {config.database_url} (SQLite: one relay, woken by commits; "
                   "PostgreSQL gives SKIP LOCKED and LISTEN/NOTIFY)")
    children = plan(config, workers)
    for child in children:
        child.start()
        click.echo(f"started {child.name:<18} {child.where}")
    stopping = False

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        time.sleep(0.2)
        for child in children:
            code = child.popen.poll() if child.popen else None
            if code is None or stopping:
                continue
            if code == EX_CONFIG:
                click.secho(f"{child.name} exited with a configuration error; stopping",
                            fg="red", err=True)
                stopping = True
                break
            if child.next_start == 0.0:
                delay = min(2 ** child.restarts, 30)
                child.next_start = time.monotonic() + delay
                click.echo(f"{child.name} exited ({code}); restarting in {delay}s", err=True)
            elif time.monotonic() >= child.next_start:
                child.restarts += 1
                child.next_start = 0.0
                child.start()
    _stop_all(children)


def _stop_all(children: list[Child], deadline: float = 35) -> None:
    click.echo("stopping...")
    for child in children:
        if child.popen and child.popen.poll() is None:
            child.popen.send_signal(signal.SIGTERM)
    end = time.monotonic() + deadline
    for child in children:
        if child.popen is None:
            continue
        try:
            child.popen.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.popen.kill()
    click.echo("stopped")
