"""Event contracts of mail: every kind (verification, badge, invitation, tickets) goes
through one mail record (models/mail/), and its hand-over is one event."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from contracts.envelope import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True)
class MailSent(DomainEvent):
    """A mail was handed to the SMTP server: `kind` (verification, badge, invitation,
    ...) and `reference`, the key of what it is about (`badge:12`)."""

    routing_key: ClassVar[str] = "mail.sent"
    aggregate_type: ClassVar[str] = "mail"

    mail_id: int
    kind: str
    reference: str
    recipient: str
    attempts: int
    sent_at: str
