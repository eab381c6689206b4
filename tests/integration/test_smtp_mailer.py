"""SmtpMailer against a real aiosmtpd server that requires STARTTLS and a login."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from consumers.mail_kinds import badge_message
from consumers.mailer import SmtpMailer
from models.accounts.directory import Recipient
from models.core.config import Config
from tests.support.smtp import free_port


class Box:
    def __init__(self) -> None:
        self.messages: list = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (auth_data.login, auth_data.password) == (b"mailer@venuebus", b"p@ss word")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A server that refuses mail before STARTTLS and a login; its self-signed cert is
    the only CA the client trusts (SSL_CERT_FILE)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, port = Box(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, auth_required=True,
                            auth_require_tls=True, authenticator=box.authenticate)
    controller.start()
    yield port, box
    controller.stop()


def _message():
    return badge_message(Config(), 5, 5, Recipient("a@example.com", "A"))


def test_starttls_and_login_from_the_url(tls_server):
    port, box = tls_server
    SmtpMailer(f"smtp://mailer%40venuebus:p%40ss%20word@127.0.0.1:{port}?starttls=true"
               ).send(_message())
    assert box.logins == ["mailer@venuebus"]
    assert [m["Subject"] for m in box.messages] == ["Badge Generated 5"]


def test_wrong_password_raises_so_the_consumer_retries(tls_server):
    port, box = tls_server
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpMailer(f"smtp://mailer%40venuebus:nope@127.0.0.1:{port}").send(_message())
    assert box.messages == []


def test_plain_smtp_to_a_server_requiring_starttls_is_refused(tls_server):
    port, box = tls_server
    with pytest.raises(smtplib.SMTPException):
        SmtpMailer(f"smtp://127.0.0.1:{port}").send(_message())
    assert box.messages == []
