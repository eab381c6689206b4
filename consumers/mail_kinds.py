"""The kinds of mail and what each says. A kind turns the key of what a mail is about
(a badge id, a user id, an invitation) into an `Outgoing` mail, or None when nothing is
to be sent any more; consumers/mail.py sends it exactly once. A new kind (tickets) is one
more function here and one entry in KINDS: never another exactly-once path."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from models.accounts.directory import Recipient, UserDirectory
from models.accounts.tables import User
from models.accounts.verification import verification_link
from models.badges.recipients import badge_recipient
from models.badges.tables import Badge
from models.catalog.tables import Event
from models.core.config import Config
from models.core.errors import Conflict
from models.core.uow import UnitOfWork
from models.mail.intents import Addressed
from models.ticketing.tables import Order
from models.ticketing.tickets.calendar import event_ics
from models.ticketing.tickets.pdf import render_order_tickets
from models.ticketing.tickets.read import tickets_of, when


@dataclass(frozen=True)
class Outgoing:
    """A mail to send: `verified` says whether its address may be mailed now (else it is
    held for `to.user_id`'s verification); `message(mail_id)` builds it."""

    to: Addressed
    verified: bool
    message: Callable[[int], EmailMessage]


def _message(config: Config, to: str, subject: str, message_id: str, text: str,
             html_body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = config.mail_from
    msg["To"] = to
    # Stable per mail: a receiving system that dedupes by Message-ID sees one mail.
    msg["Message-ID"] = message_id
    msg.set_content(text)
    msg.add_alternative(html_body, subtype="html")
    return msg


def badge_message(config: Config, badge_id: int, mail_id: int,
                  recipient: Recipient) -> EmailMessage:
    """The badge mail: subject `Badge Generated <id>`, greeting, download link."""
    link = f"{config.base_url}/v1/badges/{badge_id}/file"
    name = recipient.display_name or ""
    return _message(
        config, formataddr((name, recipient.email)) if name else recipient.email,
        f"Badge Generated {badge_id}", f"<badge-{badge_id}.{mail_id}@venuebus>",
        f"Hello {name}!\n\nYour badge is generated. Download it here:\n{link}\n",
        f"<p>Hello {html.escape(name)}!</p><p>Your badge is generated successfully, "
        f'please visit the <a href="{html.escape(link)}">link</a> to download it.</p>')


def outgoing_badge_mail(uow: UnitOfWork, key: str,
                        directory: UserDirectory | None) -> Outgoing | None:
    """The owner's one mail of badge `key`, to the address the directory has now."""
    badge = uow.session.get(Badge, int(key))
    if badge is None:
        return None  # the owner was deleted, and the badge with them
    recipient = badge_recipient(uow.session, badge.owner_id, directory)
    return Outgoing(Addressed("badge", key, badge.owner_id, recipient.email),
                    recipient.verified,
                    lambda mail_id: badge_message(uow.db.config, badge.id, mail_id, recipient))


def outgoing_verification_mail(uow: UnitOfWork, key: str,
                      directory: UserDirectory | None) -> Outgoing | None:
    """The link that verifies user `key`'s address (the one mail sent to an address
    before it is verified), unless the account is gone or already verified."""
    config = uow.db.config
    user = uow.session.get(User, int(key))
    if user is None or user.email_verified_at is not None:
        return None
    link = verification_link(config, user.id, user.email)

    def message(mail_id: int) -> EmailMessage:
        return _message(
            config, user.email, "Verify your address for venuebus",
            f"<verify-{user.id}.{mail_id}@venuebus>",
            f"Hello!\n\nPlease verify your address by opening this link:\n{link}\n\n"
            "Until then no other mail is sent to it.\n",
            f'<p>Hello!</p><p>Please <a href="{html.escape(link)}">verify your '
            "address</a>. Until then no other mail is sent to it.</p>")

    return Outgoing(Addressed("verification", key, user.id, user.email), True, message)


Kind = Callable[[UnitOfWork, str, UserDirectory | None], Outgoing | None]
KINDS: dict[str, Kind] = {"badge": outgoing_badge_mail,
                         "verification": outgoing_verification_mail}


def _buyer(uow: UnitOfWork, key: str, status: str,
           directory: UserDirectory | None) -> tuple[Order, Recipient] | None:
    """The order `key` names (`<order id>` or `<order id>:<request>`) and its buyer's
    address, when the order is (still) `status`."""
    order = uow.session.get(Order, int(key.split(":", 1)[0]))
    if order is None or order.status != status:
        return None
    return order, badge_recipient(uow.session, order.user_id, directory)


def _to(recipient: Recipient) -> str:
    name = recipient.display_name or ""
    return formataddr((name, recipient.email)) if name else recipient.email


def outgoing_tickets_mail(uow: UnitOfWork, key: str,
                          directory: UserDirectory | None) -> Outgoing | None:
    """The buyer's tickets of a completed order: the PDF and the event's .ics attached,
    and the link to download them again. `key` is the order id (the mail of its
    completion) or `<order id>:<request id>` (a resend). None once the order is no longer
    completed, or has no attendee left."""
    found = _buyer(uow, key, "completed", directory)
    if found is None:
        return None
    order, recipient = found
    try:
        tickets = tickets_of(uow.session, order)
    except Conflict:
        return None
    config = uow.db.config
    link = f"{config.base_url}/tickets/{order.identifier}.pdf"
    event = tickets.event

    def message(mail_id: int) -> EmailMessage:
        count = len(tickets.faces)
        msg = _message(
            config, _to(recipient), f"Your tickets: {event.name}",
            f"<tickets-{key.replace(':', '.')}.{mail_id}@venuebus>",
            f"Hello!\n\nYour {count} ticket(s) for {event.name} ({when(event)}) are "
            f"attached. Show the QR code at the door.\n\nDownload them again: {link}\n",
            f"<p>Hello!</p><p>Your {count} ticket(s) for <b>{html.escape(event.name)}</b> "
            f"({html.escape(when(event))}) are attached. Show the QR code at the door.</p>"
            f'<p><a href="{html.escape(link)}">Download them again</a></p>')
        msg.add_attachment(render_order_tickets(tickets).content, maintype="application",
                           subtype="pdf", filename=f"tickets-{order.identifier}.pdf")
        msg.add_attachment(event_ics(event, url=link), maintype="text", subtype="calendar",
                           filename="event.ics")
        return msg

    return Outgoing(Addressed("tickets", key, order.user_id, recipient.email),
                    recipient.verified, message)


def outgoing_cancelled_mail(uow: UnitOfWork, key: str,
                            directory: UserDirectory | None) -> Outgoing | None:
    """The buyer's one mail saying the order was cancelled (None if it is not)."""
    found = _buyer(uow, key, "cancelled", directory)
    if found is None:
        return None
    order, recipient = found
    config = uow.db.config
    name = uow.session.get(Event, order.event_id).name
    text = (f"Your order {order.identifier} for {name} was cancelled. Its tickets no "
            "longer admit anyone.")

    def message(mail_id: int) -> EmailMessage:
        return _message(config, _to(recipient), f"Order cancelled: {name}",
                        f"<order-cancelled-{order.id}.{mail_id}@venuebus>",
                        f"Hello!\n\n{text}\n", f"<p>Hello!</p><p>{html.escape(text)}</p>")

    return Outgoing(Addressed("order-cancelled", key, order.user_id, recipient.email),
                    recipient.verified, message)


KINDS.update({"tickets": outgoing_tickets_mail, "order-cancelled": outgoing_cancelled_mail})
