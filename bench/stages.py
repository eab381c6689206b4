"""Where an event's time goes: the stage stamps of bus/stages.py read back, joined
with the bench's own (the row built, the commit returned), cut into stages.

The stages of the path to the consumer's ack follow each other; each is the time from the
latest earlier stamp to its own (0 when its stamp is earlier: the relay woke before this
commit and was still draining), so an event's stages add up to its whole time. The
confirm and the mark happen beside that path (a consumer may hold the message before the
broker confirmed it) and are shown apart."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.common import percentile

# (stage, the stamp that ends it)
PATH = [("commit (INSERT .. COMMIT returns)", "committed"),
        ("relay wakes (NOTIFY or poll)", "woke"),
        ("relay busy before claiming", "claiming"),
        ("claim query", "claimed"),
        ("publish handed to the channel", "sent"),
        ("broker -> consumer delivery", "delivered"),
        ("batch forming (waits for the worker)", "started"),
        ("consumer transaction (commit)", "worked"),
        ("ack", "acked")]
BESIDE = [("relay: publish -> confirmed", "sent", "confirmed"),
          ("relay: confirmed -> row marked", "confirmed", "marked")]


def read(directory: Path) -> dict[str, dict[str, float]]:
    """message id -> stamps, from every process's stage log in `directory` (a
    redelivered message keeps its last delivery's)."""
    stamps: dict[str, dict[str, float]] = {}
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:  # a line being written
                continue
            ids = record.pop("ids")
            for i, message_id in enumerate(ids):
                own = stamps.setdefault(message_id, {})
                for key, value in record.items():
                    own[key] = value[i] if isinstance(value, list) else value
    return stamps


def complete(stamps: dict[str, float]) -> bool:
    return all(key in stamps for _, key in PATH) and all(
        key in stamps for _, a, b in BESIDE for key in (a, b))


def cut(stamps: dict[str, float]) -> tuple[list[float], list[float]]:
    """(the path's stages, the stages beside it) of one event, in ms; its stamps need
    `created` and every key of PATH and BESIDE."""
    latest = stamps["created"]
    path = []
    for _, key in PATH:
        at = max(latest, stamps[key])
        path.append((at - latest) * 1000)
        latest = at
    beside = [max(0.0, stamps[b] - stamps[a]) * 1000 for _, a, b in BESIDE]
    return path, beside


def breakdown(events: list[dict[str, float]]) -> list[list[object]]:
    """Rows (stage, p50 ms, p99 ms, share of the median events' time, share of the
    slowest 1%'s time) for `events` (stamps each, `created` included)."""
    cuts = [cut(e) for e in events if complete(e)]
    if not cuts:
        return []
    by_total = sorted(cuts, key=lambda c: sum(c[0]))
    n = len(by_total)
    middle = by_total[int(n * 0.45): max(int(n * 0.55), int(n * 0.45) + 1)]
    tail = by_total[min(n - 1, int(n * 0.99)):]

    def share(group, i: int) -> float:
        total = sum(sum(c[0]) for c in group)
        return 100 * sum(c[0][i] for c in group) / total if total else 0.0

    rows: list[list[object]] = []
    for i, (name, _) in enumerate(PATH):
        values = [c[0][i] for c in cuts]
        rows.append([name, percentile(values, 50), percentile(values, 99),
                     f"{share(middle, i):.0f}%", f"{share(tail, i):.0f}%"])
    totals = [sum(c[0]) for c in cuts]
    rows.append([f"whole path, built -> acked ({n} events)", percentile(totals, 50),
                 percentile(totals, 99), "100%", "100%"])
    for i, (name, _, _) in enumerate(BESIDE):
        values = [c[1][i] for c in cuts]
        rows.append([f"beside: {name}", percentile(values, 50), percentile(values, 99),
                     "", ""])
    return rows


def collect(directory: Path, events: dict[str, dict[str, float]],
            timeout: float = 10.0) -> list[dict[str, float]]:
    """`events` (message id -> the bench's own stamps) joined with the processes' stamps,
    once every event's ack is logged (or `timeout` passed: the rest count as missing)."""
    deadline = time.monotonic() + timeout
    while True:
        logged = read(directory)
        if all("acked" in logged.get(m, {}) for m in events) or time.monotonic() > deadline:
            return [{**logged.get(m, {}), **own} for m, own in events.items()]
        time.sleep(0.2)
