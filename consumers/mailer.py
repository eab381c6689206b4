"""Sending mail behind a small Protocol: SMTP for real, a recording fake for unit tests."""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from consumers.mime import send

DEFAULT_SMTP_URL = "smtp://127.0.0.1:1025"
TRUE = ("1", "true", "yes", "on")


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Hand `message` to the mail system; raises on any refusal (caller retries), and
        `HandOverInDoubt` when the server may have taken it (caller must not retry)."""


class HandOverInDoubt(smtplib.SMTPServerDisconnected):
    """The message's last byte went out and the server's answer never came (the
    connection dropped or timed out): the server may have taken the mail. Sending it
    again could mail twice; the mail consumer records it and never resends."""


class _TellsTheMessageEnd:
    """An SMTP client that tells a connection lost before the DATA command's answer
    (nothing taken: SMTPServerDisconnected, safe to retry) from one lost after the
    message's end (HandOverInDoubt). Public smtplib methods only: `data` sends the
    message through `send`, ending it with CRLF . CRLF, then reads the answer with
    `getreply`."""

    _message_out = False

    def data(self, msg):  # noqa: ANN001, ANN201 - smtplib's signature
        self._message_out = False
        try:
            return super().data(msg)
        finally:
            self._message_out = False

    def send(self, s):  # noqa: ANN001, ANN201
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self._message_out = True

    def getreply(self):  # noqa: ANN201
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected as exc:
            if self._message_out:
                raise HandOverInDoubt(f"no answer after the message was sent: {exc}") from exc
            raise


class _Client(_TellsTheMessageEnd, smtplib.SMTP):
    pass


class _SslClient(_TellsTheMessageEnd, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True)
class SmtpMailer:
    """SMTP from a URL: `smtp://[user:password@]host[:port][?starttls=true]`, or
    `smtps://…` for implicit TLS. STARTTLS is used when asked for (and always before a
    login on plain smtp://); login when the URL has a user."""

    url: str
    timeout: float = 15.0

    def _parts(self):
        parts = urlsplit(self.url or DEFAULT_SMTP_URL)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"SMTP_URL must be smtp:// or smtps://, not {parts.scheme}://")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return parts, query.get("starttls", "").lower() in TRUE

    def connect(self) -> smtplib.SMTP:
        """A client connected, greeted, secured and logged in as the URL says."""
        parts, starttls = self._parts()
        host = parts.hostname or "127.0.0.1"
        if parts.scheme == "smtps":
            client: smtplib.SMTP = _SslClient(host, parts.port or 465, timeout=self.timeout,
                                              context=ssl.create_default_context())
        else:
            client = _Client(host, parts.port or 25, timeout=self.timeout)
        try:
            client.ehlo()
            if parts.scheme == "smtp" and (starttls or parts.username):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: Message) -> None:
        with self.connect() as client:
            send(client, message)


class SmtpSession:
    """One SMTP connection kept open across mails (a consumer's burst of tickets costs one
    handshake, not one a mail), opened on first use. After `idle_check` seconds unused it
    is probed (NOOP) first and reopened if the server dropped it; after `per_connection`
    mails it is reopened (servers cap mails per connection). A failed send closes it
    (a server's refusal only resets it) and raises; it never resends here. The mail
    consumer retries a refused mail later, but not one whose connection was lost after
    the message's last byte and before the server's answer (HandOverInDoubt): the server
    may have taken it. Not thread-safe: one per consumer worker."""

    def __init__(self, mailer: SmtpMailer, idle_check: float = 2.0,
                 per_connection: int = 100) -> None:
        self.mailer, self.idle_check, self.per_connection = mailer, idle_check, per_connection
        self.client: smtplib.SMTP | None = None
        self.used_at, self.count = 0.0, 0

    def _usable(self) -> smtplib.SMTP:
        client = self.client
        if client is not None and self.count >= self.per_connection:
            self.close()
            client = None
        if client is not None and time.monotonic() - self.used_at > self.idle_check:
            try:  # a probe: nothing was sent yet, so a dead link is just reopened
                if client.noop()[0] != 250:
                    raise smtplib.SMTPServerDisconnected("NOOP refused")
            except (smtplib.SMTPException, OSError):
                self.close()
                client = None
        if client is None:
            client = self.client = self.mailer.connect()
            self.count = 0
        return client

    def send(self, message: Message) -> None:
        client = self._usable()
        try:
            send(client, message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            self._reset()  # the server answered: the connection serves the next mail
            raise
        except BaseException:
            self.close()
            raise
        self.count += 1
        self.used_at = time.monotonic()

    def _reset(self) -> None:
        try:
            if self.client is not None:
                self.client.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@dataclass
class RecordingMailer:
    """Keeps every message; `fail_next` makes that many sends raise first."""

    sent: list[Message] = field(default_factory=list)
    fail_next: int = 0

    def send(self, message: Message) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise smtplib.SMTPServerDisconnected("recording mailer told to fail")
        self.sent.append(message)
