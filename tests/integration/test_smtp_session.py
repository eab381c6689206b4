"""The mail consumer's SMTP connection, kept open across mails, against a real aiosmtpd
server: one connection for many mails, reopened when the server dropped it, still usable
after the server refused a mail; a connection lost after the message's end is told
from one lost before it."""

from __future__ import annotations

import smtplib

import pytest
from aiosmtpd.controller import Controller

from consumers.mail_kinds import badge_message
from consumers.mailer import HandOverInDoubt, SmtpMailer, SmtpSession
from models.accounts.directory import Recipient
from models.core.config import Config
from tests.support.smtp import free_port


class Peers:
    """Keeps the client address of every mail taken: one address, one connection."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []
        self.refuse = 0
        self.drop_at: str | None = None  # "RCPT" or "DATA": drop the connection there

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # noqa: N802
        if self.drop_at == "RCPT":
            server.transport.abort()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.peers.append(session.peer)
        if self.drop_at == "DATA":
            server.transport.abort()  # taken, and no answer
        return "250 OK"


@pytest.fixture
def server():
    peers, port = Peers(), free_port()
    controller = Controller(peers, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, peers
    controller.stop()


def _message(n: int):
    return badge_message(Config(), n, n, Recipient("a@example.com", "A"))


def test_many_mails_go_over_one_connection(server):
    port, peers = server
    session = SmtpSession(SmtpMailer(f"smtp://127.0.0.1:{port}"))
    for n in range(3):
        session.send(_message(n))
    session.close()
    assert len(peers.peers) == 3 and len(set(peers.peers)) == 1


def test_a_connection_the_server_dropped_is_reopened_before_the_next_mail():
    peers, port = Peers(), free_port()
    first = Controller(peers, hostname="127.0.0.1", port=port)
    first.start()
    session = SmtpSession(SmtpMailer(f"smtp://127.0.0.1:{port}"), idle_check=0.0)
    session.send(_message(1))
    first.stop()  # the server goes away, and another comes: the old connection is dead
    second = Controller(peers, hostname="127.0.0.1", port=port)
    second.start()
    try:
        session.send(_message(2))
        session.close()
    finally:
        second.stop()
    assert len(peers.peers) == 2 and peers.peers[0] != peers.peers[1]


def test_a_refused_mail_raises_and_the_connection_serves_the_next(server):
    port, peers = server
    session = SmtpSession(SmtpMailer(f"smtp://127.0.0.1:{port}"))
    session.send(_message(1))
    peers.refuse = 1
    with pytest.raises(smtplib.SMTPDataError, match="Try again"):
        session.send(_message(2))
    session.send(_message(3))
    session.close()
    assert len(peers.peers) == 2 and len(set(peers.peers)) == 1


def test_a_connection_lost_after_the_message_is_in_doubt_and_before_it_is_not(server):
    """Lost after the message's last byte, the server may have taken it: HandOverInDoubt
    (the consumer never resends it). Lost before (at RCPT), nothing was taken: a plain
    disconnection, which the consumer retries. Either way the next mail reconnects."""
    port, peers = server
    session = SmtpSession(SmtpMailer(f"smtp://127.0.0.1:{port}"))
    peers.drop_at = "DATA"
    with pytest.raises(HandOverInDoubt):
        session.send(_message(1))
    assert len(peers.peers) == 1
    peers.drop_at = "RCPT"
    with pytest.raises(smtplib.SMTPServerDisconnected) as lost:
        session.send(_message(2))
    assert not isinstance(lost.value, HandOverInDoubt)
    assert len(peers.peers) == 1
    peers.drop_at = None
    session.send(_message(3))
    session.close()
    assert len(peers.peers) == 2
