"""What every benchmark needs: its own database and vhost, processes, a table printer."""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterable, Iterator
from pathlib import Path

from models.core.migrate import upgrade
from tests.support.services import fresh_database, fresh_vhost, postgres_server, rabbitmq_server


@contextlib.contextmanager
def database() -> Iterator[str]:
    """The URL of a fresh migrated PostgreSQL database, dropped afterwards."""
    with postgres_server() as admin, fresh_database(admin, "venuebus_bench") as db_url:
        upgrade(db_url)
        yield db_url


@contextlib.contextmanager
def services() -> Iterator[tuple[str, str]]:
    """(database URL, AMQP URL): a fresh migrated PostgreSQL database and a fresh vhost."""
    with database() as db_url, rabbitmq_server() as server, fresh_vhost(server) as amqp_url:
        yield db_url, amqp_url


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    def fmt(c: object) -> str:
        if isinstance(c, float):
            return f"{c:.2f}" if abs(c) < 10 else f"{c:,.1f}"
        return str(c)

    cells = [header] + [[fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, r in enumerate(cells):
        print("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in
                        enumerate(zip(r, widths, strict=True))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def group_pids(pgid: int) -> list[int]:
    """The live processes of process group `pgid` (Linux /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return pids


def named_pids(name: str) -> list[int]:
    """The processes whose command name is `name` (Linux /proc), e.g. PostgreSQL's."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == name:
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time the processes `pids` have used so far (Linux /proc); one that
    has exited counts nothing."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")
