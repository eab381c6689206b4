"""The persisted record of command ids already handled (a song is never replayed).
Commands themselves are read by `contracts.speakers.read_command`, the one definition
the API writes them with."""

from __future__ import annotations

import json
import logging
from collections import deque
from pathlib import Path

from device.config import write_private

log = logging.getLogger(__name__)


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
