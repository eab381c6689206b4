"""`python -m bench.compare REV[:K=V,...] ...`: the pipeline bench's latency run (500
events/s offered, one consumer, stage stamps) with the relay and the consumer of each git
revision (and the settings K=V in their environment), the revisions taking turns for
`--rounds` rounds in one run, so that a change is measured against its predecessor on
the machine as it is in that minute. Every
revision must have the stage stamps (STAGE_LOG_DIR); the load and the analysis are this
checkout's. Not part of `make bench`: it has no `main`."""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from bench.common import services, table
from bench.pipeline import latency_runs, load_database, process_env, seed
from models.core.config import Config


def checkout(rev: str, into: Path) -> Path:
    """The tree of `rev` (this repository) under `into`."""
    tree = into / rev.replace("/", "_")
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run(revs: list[str], rounds: int, rate: int) -> None:
    log_dir = Path("var", "bench-logs").resolve()  # the revisions run in their own trees
    results: dict[str, list] = {rev: [] for rev in revs}
    with tempfile.TemporaryDirectory() as tmp, services() as (db_url, amqp_url):
        trees = {rev: checkout(rev.partition(":")[0], Path(tmp) / str(i))
                 for i, rev in enumerate(revs)}
        db = load_database(Config(database_url=db_url, amqp_url=amqp_url))
        seed(db)
        env = process_env(db_url, amqp_url)
        for n in range(rounds):
            for i, rev in enumerate(revs):
                stage_dir = log_dir / f"stages-{os.getpid()}-{i}-{n}"
                settings = dict(kv.split("=", 1) for kv in rev.partition(":")[2].split(",")
                                if kv)
                lat, by_rate = latency_runs(
                    db, {**env, **settings, "STAGE_LOG_DIR": str(stage_dir)}, log_dir,
                    (rate,), trees[rev])
                results[rev].append((lat[0], by_rate[rate]))
        db.dispose()
    table(f"Latency at {rate} events/s, revisions taking turns (ms)",
          ["revision", "round", "events", "p50", "p95", "p99"],
          [[rev, n + 1, *lat[1:]] for rev in revs for n, (lat, _) in enumerate(results[rev])])
    for rev in revs:
        for n, (_, stage_rows) in enumerate(results[rev]):
            table(f"Where the time goes at {rate} events/s, {rev}, round {n + 1}",
                  ["stage", "p50", "p99", "median events", "slowest 1%"], stage_rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    run(args.revs, args.rounds, args.rate)
