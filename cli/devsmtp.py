"""`venuebus devsmtp`: a development SMTP server (aiosmtpd) that writes every mail it gets
into a directory as an .eml file. `make run` starts it when SMTP_URL is unset."""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
from pathlib import Path

import click

DEFAULT_PORT = 1025


class MailDirHandler:
    """aiosmtpd handler: one `<unix-ms>-<n>.eml` per message, written then renamed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        name = f"{int(time.time() * 1000)}-{next(self.counter):05d}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.folder / name)
        click.echo(f"mail from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)} "
                   f"-> {self.folder / name}")
        return "250 OK"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--dir", "folder", default="var/mail", show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
def devsmtp(host: str, port: int, folder: Path) -> None:
    """Development SMTP server: accepts every mail and writes it into --dir."""
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    controller = Controller(MailDirHandler(folder), hostname=host, port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo(f"dev SMTP server on smtp://{host}:{port}, mails go to {folder.resolve()}/")
    try:
        stop.wait()
    finally:
        controller.stop()
        click.echo("dev SMTP server stopped")


if __name__ == "__main__":
    devsmtp()
