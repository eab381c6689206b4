"""Benchmark: the organiser's dashboard on a big event, on a fresh PostgreSQL database.

The event has 50,000 completed orders of two units (100,000 attendees, written with
INSERT ... SELECT) and 100,000 entry scans over its day. Their `order.placed` and
`attendee.checked_in` events go through the stats consumer's handler in batches of 200
(tracking rows and all, as the runtime drives it), which fills the timeline buckets.

1. GET /v1/events/<id>/timeline in-process (Flask test client, bearer token): 5-minute
   buckets for the event's day, hours for its last week, days for 90 days. Target: under
   100 ms (median and p95 of 30 calls each). Then the dashboard's polled panels (signed
   in with a session cookie), which the page asks for every second.
2. The exports consumer's work for the 100,000 attendees, as CSV and XLSX, each in a fresh
   child process: seconds and the child's peak RSS. Targets: under 20 s and 150 MB.

Run: `python -m bench.dashboard` (PostgreSQL as for the tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDERS, UNITS = 50_000, 2
DAY = datetime(2027, 3, 1, tzinfo=UTC)
SALES_START = DAY - timedelta(days=60)

SEED = """
INSERT INTO orders (event_id, user_id, status, payment_mode, amount, discount_amount,
                    discount_uses, created_at, completed_at, identifier)
SELECT :event, :user, 'completed', 'onsite', 50, 0, 0, t, t, substr(md5(g || 'order'), 1, 22)
FROM (SELECT g, :sales_start + g * interval '60 days' / :orders AS t
      FROM generate_series(1, :orders) g) s;
INSERT INTO order_lines (order_id, ticket_id, quantity, unit_price, discount)
SELECT id, :ticket, :units, 25, 0 FROM orders WHERE event_id = :event;
INSERT INTO attendees (order_id, event_id, ticket_id, unit, first_name, last_name, email,
                       checkin_secret, is_checked_in, is_checked_out, is_cancelled,
                       scan_count, created_at)
SELECT o.id, :event, :ticket, (o.id - 1) * :units + u, 'Guest', 'No ' || o.id || '-' || u,
       'guest' || o.id || '-' || u || '@example.com', md5(o.id || '-' || u), true, false,
       false, 1, o.created_at
FROM orders o CROSS JOIN generate_series(1, :units) u WHERE o.event_id = :event;
INSERT INTO check_in_scans (attendee_id, kind, at, device_name, nonce, created_at)
SELECT id, 'entry', :day + interval '8 hours' + (id % 36000) * interval '1 second',
       'Gate ' || (id % 4), md5('scan' || id), now()
FROM attendees WHERE event_id = :event;
UPDATE tickets SET sold_count = :orders * :units WHERE id = :ticket;
"""

# VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child would report its parent's peak
EXPORT_CHILD = """
import json, sys, time
from models.core.config import Config
from models.core.db import Database
from models.core.uow import UnitOfWork
from models.ticketing.exports.jobs import write_export
url, export_id, storage = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = Database(Config(database_url=url, export_storage=storage))
t = time.perf_counter()
with UnitOfWork(db) as uow:
    export = write_export(uow, export_id, storage)
    rows, size = export.row_count, export.size_bytes
    uow.commit()
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows, "bytes": size,
                  "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def seed(db) -> tuple[int, int]:
    """The event (owner's) with its orders, attendees and scans; (event id, owner id)."""
    from sqlalchemy import text

    from models.accounts.users import create_user
    from models.catalog import events as catalog

    owner = create_user(db, "owner@example.com", "password123", verified=True)
    event = catalog.create_event(db, owner, {"name": "Big", "starts_at": DAY,
                                             "ends_at": DAY + timedelta(hours=12)})
    ticket = catalog.create_ticket(db, owner, event.id, {"name": "Std", "quantity": 200_000,
                                                         "price": 25, "type": "paid"})
    params = {"event": event.id, "user": owner.id, "ticket": ticket.id, "orders": ORDERS,
              "units": UNITS, "day": DAY, "sales_start": SALES_START}
    with db.engine.begin() as conn:
        for statement in SEED.split(";"):
            if statement.strip():
                conn.execute(text(statement), params)
    return event.id, owner.id


def deliveries(db, event_id: int):
    """The events the seeded rows would have published, oldest order first."""
    import uuid

    from sqlalchemy import select

    from bus.consume import Delivery
    from models.ticketing.tables import Attendee, CheckInScan, Order, OrderLine

    def delivery(key: str, data: dict) -> Delivery:
        return Delivery(message_id=str(uuid.uuid4()), routing_key=key, type=key, data=data,
                        envelope={"data": data}, headers={}, attempt=1, redelivered=False)

    with db.session() as s:
        for order_id, at, ticket_id in s.execute(
                select(Order.id, Order.created_at, OrderLine.ticket_id)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(Order.event_id == event_id).order_by(Order.id)):
            yield delivery("order.placed", {
                "order_id": order_id, "event_id": event_id, "amount": "50.00",
                "status": "completed", "placed_at": at.isoformat(),
                "lines": [{"ticket_id": ticket_id, "quantity": UNITS}]})
        for scan_id, at, device, ticket_id in s.execute(
                select(CheckInScan.id, CheckInScan.at, CheckInScan.device_name,
                       Attendee.ticket_id)
                .join(Attendee, Attendee.id == CheckInScan.attendee_id)
                .where(Attendee.event_id == event_id).order_by(CheckInScan.id)):
            yield delivery("attendee.checked_in", {
                "event_id": event_id, "ticket_id": ticket_id, "scan_id": scan_id,
                "device_name": device, "checked_in_at": at.isoformat(),
                "first_check_in": True, "was_inside": False})


def fill_buckets(db, event_id: int) -> tuple[int, float]:
    from consumers.stats import CONSUMER
    from tests.support.deliveries import handle

    started, batch, n = time.perf_counter(), [], 0
    for d in deliveries(db, event_id):
        batch.append(d)
        if len(batch) == 200:
            handle(db, CONSUMER.handle, batch, consumer="stats")
            n, batch = n + len(batch), []
    handle(db, CONSUMER.handle, batch, consumer="stats")
    return n + len(batch), time.perf_counter() - started


def time_timeline(config, db, event_id: int) -> list[list[object]]:
    from api.app import create_app
    from bench.common import median, percentile

    client = create_app(config, db).test_client()
    token = client.post("/v1/auth/login", json={"email": "owner@example.com",
                                                "password": "password123"}).json["access_token"]
    windows = {"5m": (DAY, DAY + timedelta(days=1)),
               "hour": (DAY - timedelta(days=6), DAY + timedelta(days=1)),
               "day": (DAY - timedelta(days=89), DAY + timedelta(days=1))}
    rows = []
    for bucket, (start, end) in windows.items():
        url = (f"/v1/events/{event_id}/timeline?bucket={bucket}&from={start.isoformat()}"
               f"&to={end.isoformat()}").replace("+", "%2B")
        times = []
        for _ in range(31):
            t = time.perf_counter()
            r = client.get(url, headers={"Authorization": f"Bearer {token}"})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.json
        points = sum(len(p) for keys in r.json["data"]["attributes"]["series"].values()
                     for p in keys.values())
        rows.append([f"timeline bucket={bucket}", points, median(times[1:]),
                     percentile(times[1:], 95)])
    rows.append(["dashboard panels (the page's poll)", "-",
                 *_time_panels(client, event_id)])
    return rows


def _time_panels(client, event_id: int) -> list[float]:
    from bench.common import median, percentile
    from tests.support.pages import csrf_token

    client.post("/signin", data={"email": "owner@example.com", "password": "password123",
                                 "csrf_token": csrf_token(client)})
    times = []
    for _ in range(31):
        t = time.perf_counter()
        r = client.get(f"/events/{event_id}/dashboard/panels")
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
    return [median(times[1:]), percentile(times[1:], 95)]


def time_exports(db_url: str, db, event_id: int, owner_id: int, folder: Path) -> list[list]:
    from models.accounts.tables import User
    from models.ticketing.exports.requests import request_export

    rows = []
    for format_ in ("csv", "xlsx"):
        with db.session() as s:
            owner = s.get(User, owner_id)
        export = request_export(db, owner, event_id, "attendees", format_)
        out = subprocess.run([sys.executable, "-c", EXPORT_CHILD, db_url, str(export.id),
                              str(folder)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append([f"export attendees {format_}", r["rows"], r["seconds"],
                     r["peak_rss_mb"], r["bytes"] / 1e6])
    return rows


def main() -> None:
    from sqlalchemy import text

    from bench.common import database, table
    from models.core.config import Config
    from models.core.db import Database
    from tests.support.speaker_identity import random_secret_key

    with database() as db_url, tempfile.TemporaryDirectory(prefix="venuebus-bench-") as tmp:
        config = Config(database_url=db_url, secret_key=random_secret_key(),
                        base_url="http://bench.invalid", export_storage=tmp)
        db = Database(config)
        try:
            t = time.perf_counter()
            event_id, owner_id = seed(db)
            seeded = time.perf_counter() - t
            n, fill_s = fill_buckets(db, event_id)
            with db.engine.connect() as conn:  # as autovacuum would have, after bulk inserts
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
            table(f"{ORDERS:,} orders, {ORDERS * UNITS:,} attendees and check-ins (rows "
                  f"seeded in {seeded:.1f} s; {n:,} events through the stats handler in "
                  f"{fill_s:.1f} s = {n / fill_s:,.0f}/s); target < 100 ms",
                  ["read", "points", "median ms", "p95 ms"], time_timeline(config, db, event_id))
            table("the exports consumer's work, fresh child process; target < 20 s, < 150 MB",
                  ["export", "rows", "seconds", "peak RSS MB", "file MB"],
                  time_exports(db_url, db, event_id, owner_id, Path(tmp)))
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
