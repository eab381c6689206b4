"""Event contracts of user accounts: the address to verify, its verification, and an
account's (de)activation."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class UserSignedUp(DomainEvent):
    """A password account was created; the mail consumer mails it a verification link
    (on BASE_URL)."""

    routing_key: ClassVar[str] = "user.signed_up"
    aggregate_type: ClassVar[str] = "user"

    user_id: int
    signed_up_at: str


@register
@dataclasses.dataclass(frozen=True)
class UserEmailVerified(DomainEvent):
    """The account's address is verified; the mail consumer sends the mail it held."""

    routing_key: ClassVar[str] = "user.email_verified"
    aggregate_type: ClassVar[str] = "user"

    user_id: int
    verified_at: str


@register
@dataclasses.dataclass(frozen=True)
class UserAccessChanged(DomainEvent):
    """An admin deactivated the account (`active` false) or activated it again. The
    provisioner removes (or restores) the broker users of the account's speakers and
    closes their connections."""

    routing_key: ClassVar[str] = "user.access_changed"
    aggregate_type: ClassVar[str] = "user"

    user_id: int
    active: bool
