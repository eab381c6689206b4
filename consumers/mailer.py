"""Sending mail behind a small Protocol: SMTP for real, a recording fake for unit tests."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_SMTP_URL = "smtp://127.0.0.1:1025"
TRUE = ("1", "true", "yes", "on")


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the mail system; raises on any refusal (caller retries)."""


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

    def send(self, message: EmailMessage) -> None:
        parts, starttls = self._parts()
        host = parts.hostname or "127.0.0.1"
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465,
                                                    timeout=self.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, parts.port or 25, timeout=self.timeout)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and (starttls or parts.username):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)


@dataclass
class RecordingMailer:
    """Keeps every message; `fail_next` makes that many sends raise first."""

    sent: list[EmailMessage] = field(default_factory=list)
    fail_next: int = 0

    def send(self, message: EmailMessage) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise smtplib.SMTPServerDisconnected("recording mailer told to fail")
        self.sent.append(message)
