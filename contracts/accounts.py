"""Event contracts of user accounts: the address to verify, and its verification."""

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
