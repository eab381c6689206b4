"""Staff invitations: the event's owner invites an email address, and the mail consumer
mails that address a signed, single-use link (models/ticketing/invitation_links.py).
Whoever accepts through it, signed in with that address verified, becomes staff;
listing and declining need the verified address too. Inviting reads no account, so its
answer is the same whether the address has one: owners cannot probe who is signed up,
and no user's address reaches anyone but themselves."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.ticketing import StaffInvited
from models.accounts.tables import User
from models.accounts.users import valid_email
from models.accounts.verification import require_verified
from models.catalog.events import managed_event
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, NotFound
from models.core.uow import UnitOfWork
from models.ticketing.invitation_links import new_nonce, read_invitation_token
from models.ticketing.staff import STAFF_ONLY
from models.ticketing.tables import EventStaff, StaffInvitation

EMAIL_POINTER = "/data/attributes/email"
NOT_YOURS = "Invitation not found"  # one answer for ids that are not, or not the actor's


def invite_staff(db: Database, actor: User, event_id: int, email: str) -> StaffInvitation:
    """Invite `email` to be staff of the event (its owner or an admin): `staff.invited`
    is recorded and the mail consumer mails the address its acceptance link. Inviting
    an address again returns its invitation, pending again (with a new link) if it had
    been declined.
    Raises Invalid for a malformed address, Forbidden/NotFound for the event."""
    address = valid_email(email)
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id, STAFF_ONLY)
        invitation = _invitation_for(s, event_id, address)
        if invitation is None:
            invitation = StaffInvitation(event_id=event_id, email=address,
                                         invited_by_id=actor.id, created_at=utcnow(),
                                         link_nonce=new_nonce())
            s.add(invitation)
        elif invitation.status == "declined" or (invitation.status == "pending"
                                                 and invitation.link_nonce is None):
            # asked again (or pending from before links): a new link; an old one is void
            invitation.status, invitation.responded_at = "pending", None
            invitation.link_nonce = new_nonce()
        else:
            return invitation  # pending with its link mailed, or accepted: as asked
        try:
            s.flush()
            uow.record(StaffInvited(invitation_id=invitation.id, event_id=event_id,
                                    invited_at=utcnow().isoformat()))
            uow.commit()
        except IntegrityError:  # a concurrent request invited the address first: as asked
            s.rollback()
            invitation = _invitation_for(s, event_id, address)
        return invitation


def _invitation_for(s: Session, event_id: int, email: str) -> StaffInvitation | None:
    return s.scalar(select(StaffInvitation).where(StaffInvitation.event_id == event_id,
                                                  StaffInvitation.email == email))


def list_invitations(db: Database, actor: User, event_id: int) -> list[StaffInvitation]:
    """The event's invitations, every status (its owner or an admin)."""
    with db.session() as s:
        managed_event(s, actor, event_id, STAFF_ONLY)
        return list(s.scalars(select(StaffInvitation)
                              .where(StaffInvitation.event_id == event_id)
                              .order_by(StaffInvitation.id)))


def revoke_invitation(db: Database, actor: User, event_id: int, invitation_id: int) -> None:
    """Withdraw an invitation (owner or admin); an accepted one also ends the staff role
    it gave. Revoking one that is gone changes nothing."""
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id, STAFF_ONLY)
        invitation = s.get(StaffInvitation, invitation_id)
        if invitation is None or invitation.event_id != event_id:
            return
        if invitation.status == "accepted":
            s.execute(delete(EventStaff).where(
                EventStaff.event_id == event_id,
                EventStaff.user_id.in_(select(User.id).where(User.email == invitation.email))))
        s.delete(invitation)
        uow.commit()


def my_invitations(db: Database, actor: User) -> list[StaffInvitation]:
    """The pending invitations addressed to the actor's email; Forbidden
    (`email_not_verified`) until the actor's address is verified."""
    require_verified(actor, "seeing invitations")
    with db.session() as s:
        return list(s.scalars(select(StaffInvitation)
                              .where(StaffInvitation.email == actor.email.lower(),
                                     StaffInvitation.status == "pending")
                              .order_by(StaffInvitation.id)))


def accept_invitation(db: Database, actor: User, token: str) -> StaffInvitation:
    """Accept through the link mailed to the invited address: the actor, signed in with
    that address verified, becomes staff. The link works once. Forbidden
    (`email_not_verified`) before the actor verified the address; Invalid
    (`invalid_invitation_link`) for a link that is not ours; NotFound for an invitation
    to another address or gone; Conflict (`invitation_link_used`) for a link used, or
    voided by a newer invitation."""
    require_verified(actor, "accepting an invitation")
    claims = read_invitation_token(db.config, token)
    with UnitOfWork(db) as uow:
        s = uow.session
        invitation = s.get(StaffInvitation, claims.invitation_id, with_for_update=True)
        if (invitation is None or invitation.email != actor.email.lower()
                or claims.email != invitation.email):
            raise NotFound(NOT_YOURS)
        if invitation.link_nonce is None or invitation.link_nonce != claims.nonce:
            raise Conflict("This invitation link was used, or a newer one replaced it",
                           code="invitation_link_used")
        invitation.status, invitation.responded_at = "accepted", utcnow()
        invitation.link_nonce = None
        if s.get(EventStaff, (invitation.event_id, actor.id)) is None:
            s.add(EventStaff(event_id=invitation.event_id, user_id=actor.id))
        uow.commit()
        return invitation


def decline_invitation(db: Database, actor: User, invitation_id: int) -> StaffInvitation:
    """Decline an invitation addressed to the actor's verified email (its link stops
    working). Declining again changes nothing; declining an accepted one is a Conflict
    (`invitation_answered`). NotFound for an invitation to another address, exactly as
    for one that does not exist."""
    require_verified(actor, "answering an invitation")
    with UnitOfWork(db) as uow:
        s = uow.session
        invitation = s.get(StaffInvitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.email != actor.email.lower():
            raise NotFound(NOT_YOURS)
        if invitation.status == "declined":
            return invitation
        if invitation.status != "pending":
            raise Conflict(f"The invitation was {invitation.status} already",
                           code="invitation_answered")
        invitation.status, invitation.responded_at = "declined", utcnow()
        invitation.link_nonce = None
        uow.commit()
        return invitation
