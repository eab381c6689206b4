"""Stage stamps: where an event's time goes between its commit and its ack.

Off unless `STAGE_LOG_DIR` is set (`Config.stage_log_dir`). Then the relay and every
consumer process append one JSON line per batch to `<dir>/<role>-<pid>.jsonl`: the
batch's message ids and the wall-clock time (`time.time()`, comparable across the
processes of one machine) at which the batch reached each stage. The relay writes `woke`,
`claiming`, `claimed`, `sent`, `confirmed`, `marked`; a consumer `delivered` (one per
message), `started`, `worked` (its transaction committed), `acked`. The cost: a few
`time.time()` calls per batch, and with the log on one line written per batch.
`bench/pipeline.py` reads the lines back (`bench/stages.py`).

Standard library only: the consumer runtime (which runs on the Pi) writes it too."""

from __future__ import annotations

import json
import os
import threading


class StageLog:
    """One process's stage lines; safe to call from several threads."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - close()

    @classmethod
    def open(cls, directory: str, role: str) -> StageLog | None:
        """The log of this process in `directory`, or None (no log) when it is empty."""
        if not directory:
            return None
        os.makedirs(directory, exist_ok=True)
        return cls(os.path.join(directory, f"{role}-{os.getpid()}.jsonl"))

    def batch(self, ids: list[str], **stamps: float | list[float]) -> None:
        line = json.dumps({"ids": ids, **stamps}, separators=(",", ":")) + "\n"
        with self._lock:
            if not self._file.closed:
                self._file.write(line)

    def close(self) -> None:
        with self._lock:
            self._file.close()
