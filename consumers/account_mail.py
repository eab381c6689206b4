"""The mail that verifies an address: on `user.signed_up`, a link (signed, expiring:
models/accounts/verification.py) to the address the account signed up with. Nothing
else is ever mailed to an address before it is verified."""

from __future__ import annotations

import html
import logging
from email.message import EmailMessage

from bus.consume import Delivery
from consumers.mailer import Mailer
from models.accounts.tables import User
from models.accounts.verification import verification_link
from models.core.config import Config
from models.core.uow import UnitOfWork

log = logging.getLogger("venuebus.consumers.mail")


def verification_mail(config: Config, user: User, link: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Verify your address for venuebus"
    msg["From"] = config.mail_from
    msg["To"] = user.email
    msg["Message-ID"] = f"<verify-{user.id}@venuebus>"
    msg.set_content(f"Hello!\n\nPlease verify your address by opening this link:\n{link}\n\n"
                    "Until then no other mail is sent to it.\n")
    msg.add_alternative(f'<p>Hello!</p><p>Please <a href="{html.escape(link)}">verify your '
                        "address</a>. Until then no other mail is sent to it.</p>",
                        subtype="html")
    return msg


def send_verification_mail(uow: UnitOfWork, delivery: Delivery, mailer: Mailer) -> None:
    """Mail the link, unless the account is gone or already verified. A redelivery after
    the hand-over may mail it again (the link is the same; no record is kept for it)."""
    user = uow.session.get(User, delivery.int_field("user_id"))
    if user is None or user.email_verified_at is not None:
        return
    link = verification_link(uow.db.config, user.id, user.email)
    mailer.send(verification_mail(uow.db.config, user, link))
    log.info("verification link mailed to user %s", user.id)
