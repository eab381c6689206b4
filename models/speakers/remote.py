"""The speaker remote: an owner's speakers, and what became of the commands a remote sent.

A device reports, with its state, the id of the last command it acted on. It takes its
commands in the order they were sent and drops only expired ones, so when it reports
command k, every command sent before k that was still pending was done too (a command
superseded within one refresh cannot have reached its expiry, 30 s). A command never
reported by its expiry was dropped: expired."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from models.accounts.tables import User
from models.core.base import utcnow
from models.core.db import Database
from models.speakers.tables import Speaker

CommandStatus = Literal["sent", "done", "expired"]
KEEP_COMMANDS = 5  # per speaker, shown on its card


@dataclass(frozen=True)
class SentCommand:
    command_id: str
    command: str
    expires_at: datetime
    status: CommandStatus = "sent"


def list_speakers(db: Database, actor: User) -> list[Speaker]:
    """The speakers `actor` owns, by name."""
    with db.session() as s:
        return list(s.scalars(select(Speaker).where(Speaker.owner_id == actor.id)
                              .order_by(Speaker.name, Speaker.id)))


def settle_commands(sent: list[SentCommand], reported_command_id: str | None,
                    now: datetime | None = None) -> list[SentCommand]:
    """`sent` (oldest first) with each pending command's status settled: done when the
    device reported it or a later one, expired when past its expiry without that. Done
    and expired are final. Keeps the newest KEEP_COMMANDS."""
    now = now or utcnow()
    ids = [c.command_id for c in sent]
    reached = ids.index(reported_command_id) if reported_command_id in ids else -1
    settled = []
    for i, command in enumerate(sent):
        if command.status == "sent":
            if i <= reached:
                command = replace(command, status="done")
            elif now > command.expires_at:
                command = replace(command, status="expired")
        settled.append(command)
    return settled[-KEEP_COMMANDS:]
