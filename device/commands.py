"""Speaker commands as they arrive (CloudEvents from the API's outbox), their expiry, and
the persisted record of command ids already handled (a song is never replayed)."""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from device.config import COMMANDS, write_private

log = logging.getLogger(__name__)


class BadCommand(ValueError):
    """A message that is not a command for this device; it is dropped, never retried."""


@dataclass(frozen=True)
class Command:
    command_id: str
    name: str  # play | pause | resume | stop | volume
    expires_at: datetime
    query: str | None = None
    level: int | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def _time(raw: Any) -> datetime:
    when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_command(body: bytes, routing_key: str, device_id: str) -> Command:
    """The command in a CloudEvents body routed as `speaker.<device_id>.<command>`.
    Raises BadCommand on anything else (foreign device, unknown command, bad fields)."""
    prefix, _, name = routing_key.rpartition(".")
    if prefix != f"speaker.{device_id}" or name not in COMMANDS:
        raise BadCommand(f"not a command for speaker {device_id}: {routing_key}")
    try:
        data = json.loads(body)["data"]
        command = Command(command_id=str(data["command_id"]), name=name,
                          expires_at=_time(data["expires_at"]), query=data.get("query"),
                          level=data.get("level"))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCommand(f"malformed {name} command: {exc}") from exc
    if name == "play" and not (isinstance(command.query, str) and command.query.strip()):
        raise BadCommand("play needs a query")
    if name == "volume" and not (isinstance(command.level, int) and 0 <= command.level <= 100):
        raise BadCommand("volume needs a level from 0 to 100")
    return command


class HandledCommands:
    """The last `limit` command ids handled, kept in a file so a restart (and a broker
    redelivery after it) does not replay them."""

    def __init__(self, path: Path, limit: int = 1000) -> None:
        self._path = Path(path)
        self._ids: deque[str] = deque(maxlen=limit)
        self._seen: set[str] = set()
        if self._path.exists():
            try:
                for cid in json.loads(self._path.read_text())[-limit:]:
                    self._remember(str(cid))
            except (ValueError, TypeError):
                log.warning("unreadable %s; starting with no handled commands", self._path)

    def __contains__(self, command_id: str) -> bool:
        return command_id in self._seen

    def _remember(self, command_id: str) -> None:
        if len(self._ids) == self._ids.maxlen:
            self._seen.discard(self._ids[0])
        self._ids.append(command_id)
        self._seen.add(command_id)

    def add(self, command_id: str) -> None:
        """Record `command_id` and persist before returning (before the command acts)."""
        self._remember(command_id)
        write_private(self._path, json.dumps(list(self._ids)))
