"""The tickets mails (consumers/mail_kinds.py's other kinds): a completed order's tickets
to its buyer, with the PDF and the event's .ics attached and the link to download them
again, and one line when the order is cancelled. consumers/mail.py sends each exactly
once."""

from __future__ import annotations

import html
from email.message import EmailMessage, Message
from email.utils import formataddr

from consumers.mail_kinds import Kind, Outgoing, _message
from consumers.mime import Attachment, address, mail_with_attachments
from models.accounts.directory import Recipient, UserDirectory
from models.badges.recipients import badge_recipient
from models.catalog.tables import Event
from models.core.errors import Conflict
from models.core.uow import UnitOfWork
from models.mail.intents import Addressed
from models.ticketing.tables import Order
from models.ticketing.tickets.calendar import event_ics
from models.ticketing.tickets.pdf import render_order_tickets
from models.ticketing.tickets.read import tickets_of, when


def _buyer(uow: UnitOfWork, key: str, status: str,
           directory: UserDirectory | None) -> tuple[Order, Recipient] | None:
    """The order `key` names (`<order id>` or `<order id>:<request>`) and its buyer's
    address, when the order is (still) `status`."""
    order = uow.session.get(Order, int(key.split(":", 1)[0]))
    if order is None or order.status != status:
        return None
    return order, badge_recipient(uow.session, order.user_id, directory)


def _to(recipient: Recipient) -> str:
    """For an EmailMessage (it encodes a name that is not ASCII itself)."""
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

    def message(mail_id: int) -> Message:
        count = len(tickets.faces)
        pdf = render_order_tickets(tickets).content
        return mail_with_attachments(
            config.mail_from, address(recipient.display_name or "", recipient.email),
            f"Your tickets: {event.name}",
            f"<tickets-{key.replace(':', '.')}.{mail_id}@venuebus>",
            f"Hello!\n\nYour {count} ticket(s) for {event.name} ({when(event)}) are "
            f"attached. Show the QR code at the door.\n\nDownload them again: {link}\n",
            f"<p>Hello!</p><p>Your {count} ticket(s) for <b>{html.escape(event.name)}</b> "
            f"({html.escape(when(event))}) are attached. Show the QR code at the door.</p>"
            f'<p><a href="{html.escape(link)}">Download them again</a></p>',
            [Attachment(pdf, "application", "pdf", f"tickets-{order.identifier}.pdf"),
             Attachment(event_ics(event, url=link), "text", "calendar", "event.ics")])

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


TICKET_KINDS: dict[str, Kind] = {"tickets": outgoing_tickets_mail,
                                 "order-cancelled": outgoing_cancelled_mail}
