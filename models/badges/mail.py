"""The one mail of a badge: an intent recorded before the SMTP hand-over, checked on
redelivery, so no badge is ever mailed twice.

States: `held` (the owner's address is not verified: nothing sent; the owner's
verification sends it), `sending` (intent committed, hand-over started: the outcome is
unknown until it is marked), `sent`, `failed` (the last attempt was refused: nothing
went out, so a retry may send). A delivery that finds `sending` was preceded by a
consumer that died inside
the hand-over; it does not send again (at most once beats twice).

On SQLite (development) the intent cannot commit apart from the handler's transaction
(models/core/commit_aside.py): a consumer dying between the hand-over and its commit there
would mail again on redelivery."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from contracts.badges import MailSent
from models.badges.tables import Badge, BadgeMail
from models.core.base import utcnow
from models.core.commit_aside import side_unit
from models.core.uow import UnitOfWork

MAX_ERROR = 2000


class Claim(Enum):
    SEND = "send"        # this delivery must send now
    DONE = "done"        # already sent
    UNKNOWN = "unknown"  # an earlier hand-over may have gone out: never send again


@dataclass(frozen=True)
class MailClaim:
    outcome: Claim
    mail_id: int | None
    attempts: int


def claim_badge_mail(outer: UnitOfWork, badge_id: int, recipient: str) -> MailClaim:
    """In its own committed transaction, record the intent to send (status `sending`,
    attempts + 1) unless the mail was sent or its hand-over is in doubt."""
    with side_unit(outer) as uow:
        stmt = select(BadgeMail).where(BadgeMail.badge_id == badge_id).with_for_update()
        mail = uow.session.scalar(stmt)
        if mail is None:
            mail = BadgeMail(badge_id=badge_id, recipient=recipient, status="sending",
                             attempts=0)
            uow.session.add(mail)
            try:
                with uow.session.begin_nested():
                    uow.session.flush()
            except IntegrityError:  # a concurrent delivery inserted it first
                mail = uow.session.scalar(stmt)
        if mail.status == "sent":
            return MailClaim(Claim.DONE, mail.id, mail.attempts)
        if mail.status == "sending" and mail.attempts > 0:
            return MailClaim(Claim.UNKNOWN, mail.id, mail.attempts)
        mail.status, mail.recipient = "sending", recipient
        mail.attempts += 1
        mail.updated_at = utcnow()
        uow.commit()
        return MailClaim(Claim.SEND, mail.id, mail.attempts)


def hold_badge_mail(uow: UnitOfWork, badge_id: int, recipient: str) -> None:
    """In the caller's transaction: the badge's mail waits (`held`) for its owner to
    verify the address. A mail already sent, or being sent, stays as it is."""
    mail = uow.session.scalar(select(BadgeMail).where(BadgeMail.badge_id == badge_id)
                              .with_for_update())
    if mail is None:
        uow.session.add(BadgeMail(badge_id=badge_id, recipient=recipient, status="held",
                                  attempts=0))
    elif mail.status == "failed":
        mail.status, mail.recipient, mail.updated_at = "held", recipient, utcnow()


def held_badges(uow: UnitOfWork, owner_id: int) -> list[int]:
    """The badges of `owner_id` whose mail is held, oldest first."""
    return list(uow.session.scalars(
        select(BadgeMail.badge_id).join(Badge, Badge.id == BadgeMail.badge_id)
        .where(Badge.owner_id == owner_id, BadgeMail.status == "held")
        .order_by(BadgeMail.badge_id)))


def mark_mail_sent(outer: UnitOfWork, mail_id: int) -> None:
    """In its own transaction, right after the hand-over: `sent`, and `mail.sent`."""
    now = utcnow()
    with side_unit(outer) as uow:
        mail = uow.session.get(BadgeMail, mail_id, with_for_update=True)
        if mail is None or mail.status == "sent":
            return
        mail.status, mail.sent_at, mail.updated_at, mail.last_error = "sent", now, now, None
        uow.record(MailSent(badge_id=mail.badge_id, mail_id=mail.id, recipient=mail.recipient,
                            attempts=mail.attempts, sent_at=now.isoformat()))
        uow.commit()


def mark_mail_refused(outer: UnitOfWork, mail_id: int, error: str) -> None:
    """In its own transaction: the hand-over was refused, nothing went out (retryable).
    (On SQLite this rolls back with the handler's transaction: the runtime's give-up
    records the last error instead.)"""
    with side_unit(outer) as uow:
        uow.session.execute(
            update(BadgeMail).where(BadgeMail.id == mail_id, BadgeMail.status == "sending")
            .values(status="failed", last_error=error[:MAX_ERROR], updated_at=utcnow())
            .execution_options(synchronize_session=False))
        uow.commit()


def fail_badge_mail(uow: UnitOfWork, badge_id: int, reason: str) -> None:
    """After the last retry, in the caller's transaction: the mail is `failed` with
    `reason` (a mail that was sent, or whose hand-over is in doubt, stays as it is)."""
    mail = uow.session.scalar(select(BadgeMail).where(BadgeMail.badge_id == badge_id)
                              .with_for_update())
    if mail is None:  # failed before an intent was recorded (e.g. no recipient)
        if uow.session.get(Badge, badge_id) is None:
            return
        uow.session.add(BadgeMail(badge_id=badge_id, recipient="", status="failed",
                                  attempts=0, last_error=reason[:MAX_ERROR]))
    elif mail.status == "failed":
        mail.last_error, mail.updated_at = reason[:MAX_ERROR], utcnow()
