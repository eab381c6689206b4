"""A mail with attachments built as compat32 MIME parts: headers kept as strings, bodies
base64-encoded in one C call. `email.message.EmailMessage` (the default policy) parses
every header it sets into an object and folds it again when the mail is written, and
encodes an attachment 57 bytes a Python loop: half of a tickets mail's CPU beside its
PDF (4-5 ms a mail, where this takes well under one). The mail reads the same to any
client (tests/integration/tickets parse it back with the default policy)."""

from __future__ import annotations

import base64
import io
import smtplib
from dataclasses import dataclass
from email.generator import NLCRE, BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, getaddresses, parseaddr


@dataclass(frozen=True)
class Attachment:
    content: bytes
    maintype: str
    subtype: str
    filename: str


def _header(value: str) -> str | Header:
    """ASCII as it is, anything else as an RFC 2047 encoded word (UTF-8)."""
    return value if value.isascii() else Header(value, "utf-8")


def address(name: str, email: str) -> str:
    """`"Name" <email>`, the name encoded when it is not ASCII; the address alone
    without a name."""
    return formataddr((name, email), charset="utf-8") if name else email


def _attachment(a: Attachment) -> Message:
    # text (the .ics) is UTF-8, said so: without a charset a reader takes it for ASCII
    params = {"charset": "utf-8"} if a.maintype == "text" else {}
    part = MIMENonMultipart(a.maintype, a.subtype, **params)
    part.set_payload(base64.encodebytes(a.content).decode("ascii"))
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=a.filename)
    return part


def mail_with_attachments(sender: str, to: str, subject: str, message_id: str, text: str,
                          html_body: str, attachments: list[Attachment]) -> Message:
    """multipart/mixed: the text and HTML alternatives, then each attachment."""
    body = MIMEMultipart("alternative", _subparts=[MIMEText(text, "plain", "utf-8"),
                                                   MIMEText(html_body, "html", "utf-8")])
    msg = MIMEMultipart("mixed", _subparts=[body, *map(_attachment, attachments)])
    msg["Subject"] = _header(subject)
    msg["From"] = sender if sender.isascii() else address(*parseaddr(sender))
    msg["To"] = to
    # Stable per mail: a receiving system that dedupes by Message-ID sees one mail.
    msg["Message-ID"] = message_id
    return msg


class _Generator(BytesGenerator):
    """BytesGenerator writing a body's lines in one call: the stdlib writes a body line
    by line (two writes, each encoded, for every 76 characters of base64: 1,600 calls for
    a ticket PDF). Same bytes (tests/unit/test_mime.py)."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(NLCRE.sub(self._NL, lines))


def as_smtp_bytes(message: Message) -> bytes:
    """`message` as smtplib's send_message writes it (CRLF line ends, its own policy)."""
    with io.BytesIO() as out:
        _Generator(out).flatten(message, linesep="\r\n")
        return out.getvalue()


def send(client: smtplib.SMTP, message: Message) -> None:
    """`client.send_message(message)`, written by `as_smtp_bytes`. A message smtplib
    treats specially (Resent- headers, Sender, Bcc, non-ASCII addresses) goes through
    send_message itself."""
    if any(message.get(h) is not None for h in ("Resent-Date", "Sender", "Bcc", "Cc")):
        client.send_message(message)
        return
    from_addr = getaddresses([str(message["From"])])[0][1]
    to_addrs = [a for _, a in getaddresses([str(message["To"])])]
    if not "".join([from_addr, *to_addrs]).isascii():
        client.send_message(message)
        return
    client.ehlo_or_helo_if_needed()
    client.sendmail(from_addr, to_addrs, as_smtp_bytes(message))
