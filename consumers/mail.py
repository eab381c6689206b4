"""`venuebus consume mail`: every mail the system sends, exactly once, through one
record per mail (models/mail/): `badge.generated` mails the badge's owner the link,
`user.signed_up` the verification link, `staff.invited` the invitation's link, an order
completed (`order.completed`, or `order.placed` completed at once) its tickets, and again
on `order.tickets_requested`, an `order.cancelled` one line saying so;
`user.email_verified` sends what was held for the address. What each says:
consumers/mail_kinds.py.

Never twice: the intent is committed before the SMTP hand-over and checked on every
delivery (models/mail/intents.py); the outcome is committed right after it, in the
next mail's intent transaction (or at the batch's end): whatever the batch size, at
most the one mail whose hand-over was last is ever in doubt, and in doubt it is never
resent; nor is a mail whose connection dropped after its last byte, before the
server's answer (it stays `sending`, with the error). Deliveries come in batches over
one SMTP connection kept open. SMTP refusals raise so the runtime retries with delay;
after the last retry the mail is marked failed with the error. Mail that needs a
verified address is `held` until the address is verified."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from bus.consume import Delivery, Permanent
from consumers.mail_kinds import KINDS as BASE_KINDS
from consumers.mail_kinds import Outgoing
from consumers.mailer import HandOverInDoubt, Mailer, SmtpMailer, SmtpSession
from consumers.registry import Consumer
from consumers.ticket_mail import TICKET_KINDS
from consumers.tracking import wait_for_database
from models.accounts.directory import UserDirectory
from models.accounts.firebase import firebase_auth
from models.core.base import utcnow
from models.core.config import Config
from models.core.uow import UnitOfWork
from models.mail.intents import (
    Claim,
    Handed,
    claim_mail,
    fail_mail,
    held_mails,
    hold_mail,
    mark_mail_in_doubt,
    mark_mail_refused,
    mark_mail_sent,
)

log = logging.getLogger("venuebus.consumers.mail")

# routing key -> (kind, the payload field naming what the mail is about)
MAILED_ON = {"badge.generated": ("badge", "badge_id"),
             "user.signed_up": ("verification", "user_id"),
             "staff.invited": ("invitation", "invitation_id"),
             "order.completed": ("tickets", "order_id"),
             "order.cancelled": ("order-cancelled", "order_id")}
KINDS = {**BASE_KINDS, **TICKET_KINDS}
MAX_BATCH = 20
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def mail_key(delivery: Delivery) -> tuple[str, str] | None:
    """(kind, key) of the one mail a delivery asks for, or None when it asks for none (an
    order placed unpaid: its tickets go when it completes). Permanent when malformed."""
    key = delivery.routing_key
    if key == "order.placed":  # free and on-site orders complete as they are placed
        if delivery.event().status != "completed":
            return None
        return "tickets", str(delivery.int_field("order_id"))
    if key == "order.tickets_requested":  # a resend: a mail of its own
        request = delivery.event().request_id
        if not isinstance(request, str) or not REQUEST_ID.match(request):
            raise Permanent("order.tickets_requested without a valid request_id")
        return "tickets", f"{delivery.int_field('order_id')}:{request}"
    kind, field = MAILED_ON[key]
    return kind, str(delivery.int_field(field))


_SESSIONS: dict[str, SmtpSession] = {}


def smtp_mailer(config: Config) -> Mailer:
    """The process's SMTP connection to `SMTP_URL`, kept open across mails (the consumer
    has one worker thread)."""
    session = _SESSIONS.get(config.smtp_url)
    if session is None:
        session = _SESSIONS[config.smtp_url] = SmtpSession(SmtpMailer(config.smtp_url))
    return session


def firebase_directory(config: Config) -> UserDirectory | None:
    """Firebase Auth when FIREBASE_PROJECT_ID is set, else none (the users table only)."""
    return firebase_auth(config)


class _Batch:
    """The mails of one batch of deliveries: the last hand-over waits to be marked `sent`
    in the next mail's intent transaction (one commit a mail), or at the batch's end."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow, self.handed = uow, None

    def take(self) -> Handed | None:
        handed, self.handed = self.handed, None
        return handed

    def flush(self) -> None:
        """Record the last hand-over as `sent`, even across a database outage: a rerun
        finds the hand-over in doubt and would leave the mail `sending`."""
        handed = self.take()
        while handed is not None:
            try:
                mark_mail_sent(self.uow, handed)
                return
            except DBAPIError as exc:
                if not wait_for_database(self.uow.db, exc):
                    raise


class MailSender:
    """The mail consumer's handler and give-up hook, with its side effects injected."""

    def __init__(self, mailer_for: Callable[[Config], Mailer] = smtp_mailer,
                 directory_for: Callable[[Config], UserDirectory | None] = firebase_directory
                 ) -> None:
        self.mailer_for, self.directory_for = mailer_for, directory_for

    def handle(self, uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        batch = _Batch(uow)
        try:
            for delivery in deliveries:
                if delivery.routing_key == "user.email_verified":
                    for kind, key in held_mails(uow, delivery.int_field("user_id")):
                        self.send(uow, kind, key, batch)
                elif (mail := mail_key(delivery)) is not None:
                    self.send(uow, *mail, batch)
        finally:
            batch.flush()

    def send(self, uow: UnitOfWork, kind: str, key: str, batch: _Batch) -> None:
        """The one mail `<kind>:<key>`, or `held` while its address is not verified."""
        out = KINDS[kind](uow, key, self.directory_for(uow.db.config))
        if out is None:
            log.info("%s %s: nothing to mail any more", kind, key)
            return
        if not out.verified:
            hold_mail(uow, out.to)
            log.info("%s: mail held until the address is verified", out.to.reference)
            return
        self.deliver(uow, out, batch)

    def deliver(self, uow: UnitOfWork, out: Outgoing, batch: _Batch) -> None:
        """Commit the intent (with the batch's previous hand-over marked `sent`), hand
        the mail over, and leave its `sent` to the batch."""
        # the previous hand-over stays the batch's until the claim that marks it sent has
        # committed: a claim that fails leaves it to the batch's flush
        claim = claim_mail(uow, out.to, batch.handed)
        batch.handed = None
        if claim.outcome is Claim.DONE:
            return
        if claim.outcome is Claim.UNKNOWN:
            log.error("%s: an earlier mail hand-over (attempt %d) stopped midway; "
                      "not sending again", out.to.reference, claim.attempts)
            return
        try:
            self.mailer_for(uow.db.config).send(out.message(claim.mail_id))
        except HandOverInDoubt as exc:
            # the server may have taken it: left `sending`, never sent again (a resend
            # is the buyer's or the organizer's, as a mail of its own)
            mark_mail_in_doubt(uow, claim.mail_id, f"in doubt: {exc}")
            log.error("%s: the hand-over to %s may have gone out (%s); not sending again",
                      out.to.reference, out.to.recipient, exc)
            return
        except Exception as exc:
            mark_mail_refused(uow, claim.mail_id, f"{type(exc).__name__}: {exc}")
            raise
        batch.handed = Handed(claim.mail_id, utcnow())
        log.info("%s mailed to %s (attempt %d)", out.to.reference, out.to.recipient,
                 claim.attempts)

    def give_up(self, uow: UnitOfWork, delivery: Delivery, reason: str) -> None:
        if delivery.routing_key == "user.email_verified":
            return  # held mails: each stays held, or is marked by its own delivery
        try:
            mail = mail_key(delivery)
        except Permanent:
            return  # a malformed message names nothing: nothing to mark
        if mail is None:
            return
        kind, key = mail
        out = KINDS[kind](uow, key, None)
        if out is not None:
            fail_mail(uow, out.to, reason)


SENDER = MailSender()
send_mail = SENDER.handle
give_up_mail = SENDER.give_up
# a batch: one tracking transaction, one SMTP connection, one commit a mail (its intent,
# with the previous mail marked sent); a refused mail retries alone (consumers/tracking.py).
# Small, as the batch's transaction holds its buyers' rows (models/badges/recipients.py)
# until it commits: a verification waits for at most a batch's mails.
CONSUMER = Consumer(name="mail", handle=send_mail, max_batch=MAX_BATCH,
                    on_give_up=give_up_mail)
