"""One exactly-once path for every mail: an intent recorded before the SMTP hand-over,
checked on redelivery, so no mail (no `reference`) is ever sent twice.

States: `held` (its address is not verified: nothing sent; the owner's verification
sends it), `sending` (intent committed, hand-over started: the outcome is unknown until
it is marked), `sent`, `failed` (the last attempt was refused: nothing went out, so a
retry may send). A delivery that finds `sending` was preceded by a consumer that died
inside the hand-over, or after it and before its `sent` was committed (with the next
mail's intent, in a batch); it does not send again (at most once beats twice).

On SQLite (development) the intent cannot commit apart from the handler's transaction
(models/core/commit_aside.py): a consumer dying between the hand-over and its commit there
would mail again on redelivery (every mail of its batch handed over so far)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.mail import MailSent
from models.core.base import utcnow
from models.core.commit_aside import side_unit
from models.core.uow import UnitOfWork
from models.mail.tables import Mail

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


@dataclass(frozen=True)
class Addressed:
    """What a mail is about and where it goes: `reference` is `<kind>:<key>`."""

    kind: str
    key: str
    user_id: int | None
    recipient: str

    @property
    def reference(self) -> str:
        return f"{self.kind}:{self.key}"


def _mail(uow: UnitOfWork, reference: str) -> Mail | None:
    return uow.session.scalar(select(Mail).where(Mail.reference == reference)
                              .with_for_update())


def _insert_sending(uow: UnitOfWork, to: Addressed) -> int | None:
    """The common case in one statement: a new mail's row inserted as `sending`, attempt
    1. None when a row of this reference exists already (ON CONFLICT DO NOTHING)."""
    ins = postgresql.insert if uow.db.is_postgres else sqlite.insert
    now = utcnow()
    stmt = ins(Mail).values(kind=to.kind, reference=to.reference, user_id=to.user_id,
                            recipient=to.recipient, status="sending", attempts=1,
                            created_at=now, updated_at=now)
    return uow.session.scalar(stmt.on_conflict_do_nothing().returning(Mail.id))


def claim_mail(outer: UnitOfWork, to: Addressed, handed: Handed | None = None) -> MailClaim:
    """In its own committed transaction, record the intent to send (status `sending`,
    attempts + 1) unless the mail was sent or its hand-over is in doubt. `handed`, the
    previous mail's hand-over, is marked sent in the same transaction: a batch costs one
    commit a mail, and still at most one mail (the last handed over) is ever in doubt.
    A new mail (the usual case) is one INSERT; an existing row is read and locked."""
    with side_unit(outer) as uow:
        if handed is not None:
            _mark_sent(uow, handed)
        mail_id = _insert_sending(uow, to)
        if mail_id is not None:
            uow.commit()
            return MailClaim(Claim.SEND, mail_id, 1)
        mail = _mail(uow, to.reference)
        if mail.status == "sent":
            uow.commit()
            return MailClaim(Claim.DONE, mail.id, mail.attempts)
        if mail.status == "sending" and mail.attempts > 0:
            uow.commit()
            return MailClaim(Claim.UNKNOWN, mail.id, mail.attempts)
        mail.status, mail.recipient = "sending", to.recipient
        mail.attempts += 1
        mail.updated_at = utcnow()
        uow.commit()
        return MailClaim(Claim.SEND, mail.id, mail.attempts)


def hold_mail(outer: UnitOfWork, to: Addressed) -> None:
    """In its own committed transaction (on PostgreSQL; SQLite's one writer joins the
    handler's): the mail waits (`held`) for `to.user_id` to
    verify the address. A mail already sent, or being sent, stays as it is. (Apart from
    the handler's transaction, as the intent is: a batch that holds a mail and then sends
    it, its address verified meanwhile, would otherwise wait on its own row lock.)"""
    with side_unit(outer) as uow:
        mail = _mail(uow, to.reference)
        if mail is None:
            uow.session.add(Mail(kind=to.kind, reference=to.reference, user_id=to.user_id,
                                 recipient=to.recipient, status="held", attempts=0))
            try:
                with uow.session.begin_nested():
                    uow.session.flush()
            except IntegrityError:  # a concurrent delivery inserted it first: theirs
                return
        elif mail.status == "failed":
            mail.status, mail.recipient, mail.updated_at = "held", to.recipient, utcnow()
        uow.commit()


def held_mails(uow: UnitOfWork, user_id: int) -> list[tuple[str, str]]:
    """(kind, key) of the mails held for `user_id`'s verification, oldest first."""
    rows = uow.session.execute(select(Mail.kind, Mail.reference)
                               .where(Mail.user_id == user_id, Mail.status == "held")
                               .order_by(Mail.id))
    return [(kind, reference.split(":", 1)[1]) for kind, reference in rows]


def mail_of(session: Session, kind: str, key: object) -> Mail | None:
    """The record of the mail `<kind>:<key>`, if one was ever attempted or held."""
    return session.scalar(select(Mail).where(Mail.reference == f"{kind}:{key}"))


@dataclass(frozen=True)
class Handed:
    """A mail handed over to the mail system at `at`, its `sent` not recorded yet."""

    mail_id: int
    at: datetime


def _mark_sent(uow: UnitOfWork, handed: Handed) -> None:
    """`sent` at the hand-over's time, and `mail.sent`, in one UPDATE ... RETURNING (a
    mail already marked sent is left as it is, and announced once)."""
    row = uow.session.execute(
        update(Mail).where(Mail.id == handed.mail_id, Mail.status != "sent")
        .values(status="sent", sent_at=handed.at, last_error=None, updated_at=utcnow())
        .returning(Mail.kind, Mail.reference, Mail.recipient, Mail.attempts)
        .execution_options(synchronize_session=False)).one_or_none()
    if row is None:
        return
    uow.record(MailSent(mail_id=handed.mail_id, kind=row.kind, reference=row.reference,
                        recipient=row.recipient, attempts=row.attempts,
                        sent_at=handed.at.isoformat()))


def mark_mail_sent(outer: UnitOfWork, handed: Handed) -> None:
    """In its own transaction, after the hand-over: `sent`, and `mail.sent`."""
    with side_unit(outer) as uow:
        _mark_sent(uow, handed)
        uow.commit()


def mark_mail_refused(outer: UnitOfWork, mail_id: int, error: str) -> None:
    """In its own transaction: the hand-over was refused, nothing went out (retryable).
    (On SQLite this rolls back with the handler's transaction: the runtime's give-up
    records the last error instead.)"""
    with side_unit(outer) as uow:
        uow.session.execute(
            update(Mail).where(Mail.id == mail_id, Mail.status == "sending")
            .values(status="failed", last_error=error[:MAX_ERROR], updated_at=utcnow())
            .execution_options(synchronize_session=False))
        uow.commit()


def mark_mail_in_doubt(outer: UnitOfWork, mail_id: int, error: str) -> None:
    """In its own transaction: the hand-over may have gone out (the server's answer never
    came). The mail stays `sending`, so no delivery sends it again, with the error for
    the operator (on SQLite, with the handler's transaction)."""
    with side_unit(outer) as uow:
        uow.session.execute(
            update(Mail).where(Mail.id == mail_id, Mail.status == "sending")
            .values(last_error=error[:MAX_ERROR], updated_at=utcnow())
            .execution_options(synchronize_session=False))
        uow.commit()


def fail_mail(uow: UnitOfWork, to: Addressed, reason: str) -> None:
    """After the last retry, in the caller's transaction: the mail is `failed` with
    `reason` (a mail that was sent, or whose hand-over is in doubt, stays as it is)."""
    mail = _mail(uow, to.reference)
    if mail is None:  # failed before an intent was recorded (e.g. no recipient)
        uow.session.add(Mail(kind=to.kind, reference=to.reference, user_id=to.user_id,
                             recipient=to.recipient, status="failed", attempts=0,
                             last_error=reason[:MAX_ERROR]))
    elif mail.status == "failed":
        mail.last_error, mail.updated_at = reason[:MAX_ERROR], utcnow()
