"""The device's copy of the queue the backend keeps for it (`speaker.<id>.queue`), and
where it stands, kept in a file so a rebooted agent goes on where it was.

The backend sends the whole queue in play order on every change; the device decides only
what follows a song that ended by itself (repeat one: the same; repeat all: wraps).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from contracts.speakers import SyncSpeakerQueue
from device.config import write_private

log = logging.getLogger(__name__)
SAVE_POSITION_EVERY_S = 5.0


@dataclass
class Saved:
    version: int = -1
    items: list[dict] = field(default_factory=list)  # {item_id, query}, in play order
    current_item_id: int | None = None
    repeat: str = "off"
    playing_item_id: int | None = None  # the queue item playing or paused at last report
    position_ms: int = 0


class DeviceQueue:
    """Thread-safe; every change is written before the method returns."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._saved_at = 0.0
        self._q = Saved()
        if self._path.exists():
            try:
                self._q = Saved(**json.loads(self._path.read_text()))
            except (ValueError, TypeError):
                log.warning("unreadable %s; starting with an empty queue", self._path)

    def update(self, command: SyncSpeakerQueue) -> bool:
        """Take the backend's queue unless an older version than the one held."""
        with self._lock:
            if command.version < self._q.version:
                return False
            self._q.version, self._q.items = command.version, list(command.items)
            self._q.current_item_id, self._q.repeat = command.current_item_id, command.repeat
            self._save()
            return True

    def query(self, item_id: int | None) -> str | None:
        with self._lock:
            return next((i["query"] for i in self._q.items if i["item_id"] == item_id), None)

    @property
    def current_item_id(self) -> int | None:
        return self._q.current_item_id

    def following(self, item_id: int | None) -> int | None:
        """The item to play after `item_id` ended by itself: None at the end (repeat off).
        An item no longer in the queue (removed while it played) is followed by the
        queue's current item, which the backend set to the one after it."""
        with self._lock:
            ids = [i["item_id"] for i in self._q.items]
            if item_id not in ids:
                return self._q.current_item_id if item_id is not None else None
            if self._q.repeat == "one":
                return item_id
            index = ids.index(item_id) + 1
            if index < len(ids):
                return ids[index]
            return ids[0] if self._q.repeat == "all" else None

    def playing(self, item_id: int | None, position_ms: int) -> None:
        """Remember what plays (None: nothing from the queue): the item at once, its
        position every few seconds."""
        with self._lock:
            now = time.monotonic()
            if item_id == self._q.playing_item_id and now - self._saved_at < \
                    SAVE_POSITION_EVERY_S:
                return
            self._q.playing_item_id, self._q.position_ms = item_id, position_ms
            self._save()

    def resume_point(self) -> tuple[int, str, int] | None:
        """(item_id, query, position_ms) a rebooted agent goes on from, if it was playing
        an item still in the queue."""
        with self._lock:
            item_id, position = self._q.playing_item_id, self._q.position_ms
        query = self.query(item_id)
        return None if query is None or item_id is None else (item_id, query, position)

    def _save(self) -> None:
        self._saved_at = time.monotonic()
        write_private(self._path, json.dumps(asdict(self._q)))
