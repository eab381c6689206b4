"""Benchmark: 1,000 badges in one request.

1. The renderer alone, in a fresh child process: badges/s and the child's peak RSS.
2. `make run`'s embedded SQLite: the badges then the mail consumer's work (TrackedWork, as
   the runtime drives it) in this process, SMTP on loopback: no broker, so the time is the
   handlers' own (a handler waiting on its own SQLite lock would stall 15 s and fail).
3. The whole pipeline: API (in-process) → outbox → relay → `consume badges` → `consume
   mail` → SMTP (aiosmtpd on loopback), as real processes on a fresh PostgreSQL database
   and RabbitMQ vhost: badges/s as the consumer saw it, request → mail received, and the
   peak RSS (VmHWM) of the rendering consumer.

Run: `python -m bench.badges [--count 1000]` (PostgreSQL and RabbitMQ as for the tests).
Targets: ≥ 200 badges/s rendered, rendering consumer under 200 MB. Then the designed badge
(bench/badge_designs.py): ≥ 150 badges/s and < 300 MB at 1,000 and 10,000 rows, preview
p95 < 150 ms."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import badge_designs

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from printing.render import render_badges
from models.badges.input import clean_template
n, path = int(sys.argv[1]), sys.argv[2]
rows = ({"name": f"Attendee {i:05d}", "line-2": "Full conference", "line-3": "PyCon 2027",
         "secret": f"checkin-{i:05d}-6f1d2c3b4a59"} for i in range(n))
t = time.perf_counter()
r = render_badges(rows, clean_template({"badges-per-page": 4}), path)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "pages": r.page_count, "bytes": r.size_bytes,
                  "peak_rss_mb": [int(line.split()[1]) / 1024 for line in open("/proc/self/status")
                                  if line.startswith("VmHWM:")][0]}))
"""


def renderer_alone(n: int, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(folder / "alone.pdf")],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["badges_per_s"] = n / result["seconds"]
    return result


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def badge_rows(n: int) -> list[dict]:
    return [{"name": f"Attendee {i:05d}", "line-2": "Full conference", "line-3": "PyCon 2027",
             "secret": f"checkin-{i:05d}-6f1d2c3b4a59"} for i in range(n)]


def sqlite_consumers(n: int, folder: Path) -> dict:
    from sqlalchemy import update

    from consumers.badges import CONSUMER as BADGES
    from consumers.mail import CONSUMER as MAIL
    from consumers.tracking import TrackedWork
    from models.accounts.tables import User
    from models.accounts.users import create_user
    from models.badges.requests import request_badges
    from models.core.config import Config
    from models.core.db import Database
    from models.core.migrate import upgrade
    from tests.support.deliveries import recorded
    from tests.support.smtp import smtp_server

    db_url = f"sqlite:///{folder}/bench.db"
    upgrade(db_url)
    with smtp_server() as (smtp_url, inbox):
        db = Database(Config(database_url=db_url, smtp_url=smtp_url,
                             badge_storage=str(folder / "sqlite-badges")))
        user = create_user(db, "bench@example.com", "bench-password", verified=True)
        with db.session() as s:
            s.execute(update(User).where(User.id == user.id).values(allowed_usage=n))
            s.commit()
        request_badges(db, user, rows=badge_rows(n))
        started = time.perf_counter()
        outcomes = TrackedWork(db, BADGES, max_attempts=1)(recorded(db, "badge.requested"))
        rendered = time.perf_counter() - started
        outcomes += TrackedWork(db, MAIL, max_attempts=1)(recorded(db, "badge.generated"))
        mailed = time.perf_counter() - started
        db.dispose()
    assert [o.action for o in outcomes] == ["ack", "ack"], outcomes
    assert len(inbox.messages) == 1, "no mail arrived"
    return {"render_s": rendered, "to_mail_s": mailed, "badges_per_s": n / rendered}


def pipeline(n: int, folder: Path) -> dict:
    from sqlalchemy import select, update

    from api.app import create_app
    from bench.common import services
    from models.accounts.tables import User
    from models.accounts.users import create_user
    from models.badges.tables import Badge
    from models.core.config import Config
    from models.core.db import Database
    from tests.support.processes import processes
    from tests.support.smtp import smtp_server
    from tests.support.speaker_identity import random_secret_key

    with services() as (db_url, amqp_url), smtp_server() as (smtp_url, inbox):
        # The login signs tokens, and the relay and consumers refuse to start without a key.
        config = Config(database_url=db_url, amqp_url=amqp_url, smtp_url=smtp_url,
                        badge_storage=str(folder / "badges"), secret_key=random_secret_key())
        db = Database(config)
        user = create_user(db, "bench@example.com", "bench-password", verified=True)
        with db.session() as s:
            s.execute(update(User).where(User.id == user.id).values(allowed_usage=n))
            s.commit()
        env = {"DATABASE_URL": db_url, "AMQP_URL": amqp_url, "SMTP_URL": smtp_url,
               "BADGE_STORAGE": str(folder / "badges"), "LOG_LEVEL": "WARNING",
               "BASE_URL": "http://127.0.0.1:8000", "SECRET_KEY": config.secret_key}
        with processes(env, folder) as procs:
            procs.start("relay", ready="relay running")
            badges = procs.start("consume", "badges", ready="consumer badges running")
            procs.start("consume", "mail", ready="consumer mail running")
            app = create_app(config, db)
            client = app.test_client()
            token = client.post("/v1/auth/login", json={
                "email": "bench@example.com", "password": "bench-password"}
            ).get_json()["access_token"]
            body = {"data": {"type": "badge", "attributes": {"rows": badge_rows(n)}}}
            started = time.perf_counter()
            r = client.post("/v1/badges", json=body,
                            headers={"Authorization": f"Bearer {token}"})
            accepted = time.perf_counter() - started
            assert r.status_code == 202, r.get_json()
            inbox.wait_for(1, timeout=300)
            mailed = time.perf_counter() - started
            assert len(inbox.messages) == 1, "no mail arrived"
            peak = _vm_hwm_mb(badges.popen.pid)
            with db.session() as s:
                badge = s.scalar(select(Badge))
            assert badge.status == "generated", badge.status
            render_s = (badge.updated_at - badge.created_at).total_seconds()
        db.dispose()
    return {"request_accepted_s": accepted, "request_to_mail_s": mailed,
            "request_to_generated_s": render_s, "badges_per_s": n / render_s,
            "pages": badge.page_count, "bytes": badge.size_bytes,
            "consumer_peak_rss_mb": peak}


def main(argv: list[str] | None = None) -> None:
    from bench.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--renderer-only", action="store_true")
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    n = args.count
    with tempfile.TemporaryDirectory(prefix="venuebus-bench-") as tmp:
        folder = Path(tmp)
        alone = renderer_alone(n, folder)
        rows = [["renderer alone (child process)", alone["badges_per_s"], "-",
                 alone["seconds"], alone["peak_rss_mb"]]]
        if not args.renderer_only:
            lite = sqlite_consumers(n, folder)
            rows.append(["embedded SQLite: badges + mail work, no broker",
                         lite["badges_per_s"], lite["to_mail_s"], lite["render_s"], "-"])
            p = pipeline(n, folder)
            rows.append(["API -> relay -> consumers -> SMTP", p["badges_per_s"],
                         p["request_to_mail_s"], p["request_to_generated_s"],
                         p["consumer_peak_rss_mb"]])
    design_rows = []
    with tempfile.TemporaryDirectory(prefix="venuebus-bench-") as tmp:
        for count in (n, 10 * n):
            d = badge_designs.designed(count, Path(tmp))
            design_rows.append([f"{count:,} designed badges (A4, background image, 4 lines)",
                                d["badges_per_s"], d["seconds"], d["pages"],
                                d["peak_rss_mb"]])
        p = badge_designs.preview(200, Path(tmp))
    table("designed badges, renderer alone; target >= 150 badges/s, < 300 MB",
          ["path", "badges/s", "render s", "pages", "peak RSS MB"], design_rows)
    table("preview.png of the same template (200 names); target p95 < 150 ms",
          ["p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms", "peak RSS MB"],
          [[p["p50_ms"], p["p95_ms"], p["cpu_p50_ms"], p["cpu_p95_ms"], p["peak_rss_mb"]]])
    table(f"{n:,} badges in one request ({alone['pages']} pages, "
          f"{alone['bytes'] / 1e6:.1f} MB PDF); target >= 200 badges/s, < 200 MB",
          ["path", "badges/s", "request->mail s", "render s", "peak RSS MB"], rows)

if __name__ == "__main__":
    main()
