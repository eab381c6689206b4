"""`venuebus consume mail`: on `badge.generated`, mail the badge's owner once (HTML, with
the download link) and record `mail.sent`; SMTP refusals raise so the runtime retries
with delay; after the last retry the mail is marked failed with the error. Mail goes
only to a verified address: until the owner verifies it the badge's mail is `held`, and
`user.email_verified` sends what was held; `user.signed_up` mails the verification link.

Never twice: the intent is committed before the SMTP hand-over and checked on every
delivery (models/badges/mail.py); the outcome is committed right after it."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy.exc import DBAPIError

from bus.consume import Delivery, Permanent
from consumers.account_mail import send_verification_mail
from consumers.mailer import Mailer, SmtpMailer
from consumers.registry import Consumer
from consumers.tracking import wait_for_database
from models.accounts.directory import Recipient, UserDirectory
from models.accounts.firebase import firebase_auth
from models.badges.mail import (
    Claim,
    claim_badge_mail,
    fail_badge_mail,
    held_badges,
    hold_badge_mail,
    mark_mail_refused,
    mark_mail_sent,
)
from models.badges.recipients import badge_recipient
from models.badges.tables import Badge
from models.core.config import Config
from models.core.uow import UnitOfWork

log = logging.getLogger("venuebus.consumers.mail")


def badge_mail(config: Config, badge_id: int, mail_id: int,
               recipient: Recipient) -> EmailMessage:
    """The badge mail: subject `Badge Generated <id>`, greeting, download link."""
    link = f"{config.base_url}/v1/badges/{badge_id}/file"
    name = recipient.display_name or ""
    msg = EmailMessage()
    msg["Subject"] = f"Badge Generated {badge_id}"
    msg["From"] = config.mail_from
    msg["To"] = formataddr((name, recipient.email)) if name else recipient.email
    # Stable per mail: a receiving system that dedupes by Message-ID sees one mail.
    msg["Message-ID"] = f"<badge-{badge_id}.{mail_id}@venuebus>"
    msg.set_content(f"Hello {name}!\n\nYour badge is generated. Download it here:\n{link}\n")
    msg.add_alternative(
        f"<p>Hello {html.escape(name)}!</p><p>Your badge is generated successfully, "
        f'please visit the <a href="{html.escape(link)}">link</a> to download it.</p>',
        subtype="html")
    return msg


def smtp_mailer(config: Config) -> Mailer:
    return SmtpMailer(config.smtp_url)


def firebase_directory(config: Config) -> UserDirectory | None:
    """Firebase Auth when FIREBASE_PROJECT_ID is set, else none (the users table only)."""
    return firebase_auth(config)


class BadgeMailSender:
    """The mail consumer's handler and give-up hook, with its side effects injected."""

    def __init__(self, mailer_for: Callable[[Config], Mailer] = smtp_mailer,
                 directory_for: Callable[[Config], UserDirectory | None] = firebase_directory
                 ) -> None:
        self.mailer_for, self.directory_for = mailer_for, directory_for

    def handle(self, uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            if delivery.routing_key == "user.signed_up":
                send_verification_mail(uow, delivery, self.mailer_for(uow.db.config))
            elif delivery.routing_key == "user.email_verified":
                for badge_id in held_badges(uow, delivery.int_field("user_id")):
                    self.send(uow, badge_id)
            else:
                self.send(uow, delivery.int_field("badge_id"))

    def send(self, uow: UnitOfWork, badge_id: int) -> None:
        """The badge's one mail, or `held` while its owner's address is not verified."""
        config = uow.db.config
        badge = uow.session.get(Badge, badge_id)
        if badge is None:
            log.info("badge %s is gone (owner deleted); no mail", badge_id)
            return
        recipient = badge_recipient(uow.session, badge.owner_id, self.directory_for(config))
        if not recipient.verified:
            hold_badge_mail(uow, badge_id, recipient.email)
            log.info("badge %s: mail held until its owner verifies the address", badge_id)
            return
        claim = claim_badge_mail(uow, badge_id, recipient.email)
        if claim.outcome is Claim.DONE:
            return
        if claim.outcome is Claim.UNKNOWN:
            log.error("badge %s: an earlier mail hand-over (attempt %d) stopped midway; "
                      "not sending again", badge_id, claim.attempts)
            return
        message = badge_mail(config, badge_id, claim.mail_id, recipient)
        try:
            self.mailer_for(config).send(message)
        except Exception as exc:
            mark_mail_refused(uow, claim.mail_id, f"{type(exc).__name__}: {exc}")
            raise
        # it went out: `sent` must be recorded even across a database outage, since a
        # rerun finds the hand-over in doubt and would leave the mail `sending`
        while True:
            try:
                mark_mail_sent(uow, claim.mail_id)
                break
            except DBAPIError as exc:
                if not wait_for_database(uow.db, exc):
                    raise
        log.info("badge %s mailed to %s (attempt %d)", badge_id, recipient.email,
                 claim.attempts)

    def give_up(self, uow: UnitOfWork, delivery: Delivery, reason: str) -> None:
        if delivery.routing_key != "badge.generated":
            return  # a verification link or a held mail: nothing recorded to mark
        try:
            badge_id = delivery.int_field("badge_id")
        except Permanent:
            return  # a malformed message names no badge: nothing to mark
        fail_badge_mail(uow, badge_id, reason)


SENDER = BadgeMailSender()
send_badge_mail = SENDER.handle
give_up_badge_mail = SENDER.give_up
CONSUMER = Consumer(name="mail", handle=send_badge_mail, max_batch=1,
                    on_give_up=give_up_badge_mail)
