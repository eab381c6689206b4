"""The tickets mail's cheap MIME (consumers/mime.py): it reads back as the mail it was
built from, and it is written to SMTP as the standard library writes it."""

from __future__ import annotations

import io
import os
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from email.message import EmailMessage

import pytest

from consumers import mime

PDF = b"%PDF-1.7\n" + os.urandom(40_000)
ICS = "BEGIN:VCALENDAR\r\nSUMMARY:Κόσμος\r\nEND:VCALENDAR\r\n".encode()


def _mail():
    return mime.mail_with_attachments(
        "Venuebus Tickets <tickets@venuebus.example>", mime.address("Наталья Иванова",
                                                                    "nat@example.com"),
        "Your tickets: Ελληνικά 2027", "<tickets-7.3@venuebus>",
        "Hello!\n\nYour 2 ticket(s) for Ελληνικά are attached.\n",
        "<p>Hello!</p><p>Your 2 ticket(s) for <b>Ελληνικά</b></p>",
        [mime.Attachment(PDF, "application", "pdf", "tickets-AbC.pdf"),
         mime.Attachment(ICS, "text", "calendar", "event.ics")])


def _stdlib_bytes(message) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out).flatten(message, linesep="\r\n")
    return out.getvalue()


def test_the_mail_reads_back_with_its_parts_and_non_ascii_headers():
    back = message_from_bytes(mime.as_smtp_bytes(_mail()), policy=policy.default)
    assert back["Subject"] == "Your tickets: Ελληνικά 2027"
    assert back["To"].addresses[0].display_name == "Наталья Иванова"
    assert back["To"].addresses[0].addr_spec == "nat@example.com"
    assert back["Message-ID"] == "<tickets-7.3@venuebus>"
    assert "Ελληνικά" in back.get_body(("plain",)).get_content()
    assert "<b>Ελληνικά</b>" in back.get_body(("html",)).get_content()
    parts = {p.get_filename(): (p.get_content_type(), p.get_content())
             for p in back.iter_attachments()}
    assert parts == {"tickets-AbC.pdf": ("application/pdf", PDF),
                     "event.ics": ("text/calendar", ICS.decode())}


@pytest.mark.parametrize("kind", ["compat32", "email-message"])
def test_smtp_bytes_are_the_standard_librarys(kind):
    if kind == "compat32":
        message = _mail()
    else:
        message = EmailMessage()
        message["Subject"], message["To"] = "Badge Generated 3", "a@example.com"
        message.set_content("Hello Zoë!\n" * 50)
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="b.pdf")
    reference = _stdlib_bytes(message)  # picks the multipart boundaries, kept after
    assert mime.as_smtp_bytes(message) == reference


class _Client:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def sendmail(self, from_addr, to_addrs, msg) -> None:
        self.calls.append(("sendmail", from_addr, to_addrs, msg))

    def send_message(self, message) -> None:
        self.calls.append(("send_message", message))


def test_send_hands_over_the_written_bytes_and_leaves_special_cases_to_smtplib():
    client, message = _Client(), _mail()
    mime.send(client, message)
    [(how, sender, to, data)] = client.calls
    assert (how, sender, to) == ("sendmail", "tickets@venuebus.example", ["nat@example.com"])
    assert data == _stdlib_bytes(message)
    for header, value in (("Bcc", "x@example.com"), ("To", "zoë@exämple.com")):
        client, message = _Client(), _mail()
        del message[header]
        message[header] = value
        mime.send(client, message)
        assert [c[0] for c in client.calls] == ["send_message"], header
