"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, can refuse
the first N messages with a temporary error, can take a message and drop the connection
without answering (`drop`), and can act on a message it has taken before it answers
(`on_message`: e.g. SIGKILL the consumer that sent it, between the hand-over and
anything that consumer could commit)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.processes import free_port, wait_until


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0  # refuse this many DATA commands with 451 first
    refused: int = 0
    hold_s: float = 0.0  # keep the client waiting this long after taking a message
    # called with the message just taken (and kept), before the client gets its answer
    on_message: Callable[[EmailMessage], None] | None = None
    parse: bool = True  # False: keep each message's bytes (a bench counts, never reads)
    drop: int = 0  # take this many messages, then drop the connection without answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            message = (message_from_bytes(envelope.content, policy=policy.default)
                       if self.parse else envelope.content)
            self.messages.append(message)
        if self.on_message is not None:
            self.on_message(message)
        if self.drop > 0:
            self.drop -= 1
            server.transport.abort()  # the client waits for an answer that never comes
            return "250 OK"  # written to a closed transport: never read
        if self.hold_s:
            await asyncio.sleep(self.hold_s)
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once `n` have arrived; AssertionError after `timeout`."""
        wait_until(lambda: len(self.messages) >= n, timeout=timeout,
                   what=lambda: f"{n} mails (got {len(self.messages)})")
        return list(self.messages)

    def expect_only(self, n: int, within: float = 2.0) -> None:
        """No more than the `n` messages already in arrive within `within` seconds."""
        time.sleep(within)
        assert len(self.messages) == n, f"{len(self.messages)} mails, expected {n}"


@contextlib.contextmanager
def smtp_server(parse: bool = True) -> Iterator[tuple[str, Inbox]]:
    """(smtp_url, inbox) of a server running for the duration of the block."""
    inbox = Inbox(parse=parse)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


class DiesAfterHandOver:
    """A mailer that hands the message to the SMTP server at `smtp_url`, then dies (as a
    consumer killed before it could commit the outcome)."""

    def __init__(self, smtp_url: str) -> None:
        self.smtp_url = smtp_url

    def send(self, message) -> None:
        from consumers.mailer import SmtpMailer

        SmtpMailer(self.smtp_url).send(message)
        raise SystemExit("killed")  # before the outcome could be committed
