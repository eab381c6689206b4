"""The kinds of mail and what each says. A kind turns the key of what a mail is about
(a badge id, a user id, an invitation) into an `Outgoing` mail, or None when nothing is
to be sent any more; consumers/mail.py sends it exactly once. A new kind is one
more function here (the tickets kinds: consumers/ticket_mail.py) and one entry in KINDS:
never another exactly-once path."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import formataddr

from models.accounts.directory import Recipient, UserDirectory
from models.accounts.tables import User
from models.accounts.verification import verification_link
from models.badges.recipients import badge_recipient
from models.badges.tables import Badge
from models.catalog.tables import Event
from models.core.config import Config
from models.core.uow import UnitOfWork
from models.mail.intents import Addressed
from models.ticketing.invitation_links import invitation_link, nonce_digest
from models.ticketing.tables import StaffInvitation


@dataclass(frozen=True)
class Outgoing:
    """A mail to send: `verified` says whether its address may be mailed now (else it is
    held for `to.user_id`'s verification); `message(mail_id)` builds it."""

    to: Addressed
    verified: bool
    message: Callable[[int], Message]


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


def outgoing_invitation_mail(uow: UnitOfWork, key: str,
                             directory: UserDirectory | None) -> Outgoing | None:
    """The acceptance link of invitation `key` (`<id>`, or `<id>.<link digest>` once
    recorded), to the invited address: no account's, so never held (following the link
    proves nothing alone; accepting needs the account's verified address too). One mail
    per link: inviting again after a decline mails a new one."""
    config = uow.db.config
    invitation = uow.session.get(StaffInvitation, int(key.split(".")[0]))
    if invitation is None or invitation.status != "pending" or not invitation.link_nonce:
        return None
    event = uow.session.get(Event, invitation.event_id)
    name = event.name if event is not None else "an event"
    link = invitation_link(config, invitation)

    def message(mail_id: int) -> EmailMessage:
        return _message(
            config, invitation.email, f"You are invited to be staff of {name}",
            f"<invitation-{invitation.id}.{mail_id}@venuebus>",
            f"Hello!\n\nYou are invited to check attendees in at {name}. Accept here, "
            f"signed in with this address (verified):\n{link}\n\nThe link works once.\n",
            f"<p>Hello!</p><p>You are invited to check attendees in at "
            f"{html.escape(name)}. <a href=\"{html.escape(link)}\">Accept the "
            "invitation</a>, signed in with this address (verified). The link works "
            "once.</p>")

    key = f"{invitation.id}.{nonce_digest(invitation.link_nonce)}"
    return Outgoing(Addressed("invitation", key, None, invitation.email), True, message)


Kind = Callable[[UnitOfWork, str, UserDirectory | None], Outgoing | None]
KINDS: dict[str, Kind] = {"badge": outgoing_badge_mail,
                         "verification": outgoing_verification_mail,
                         "invitation": outgoing_invitation_mail}
