"""Benchmark: an order's ticket PDF (printing/ticket.py), rendered in a fresh child
process as the API and the tickets mail would: 1-4 attendees an order, distinct Latin
names (and a run with CJK names, three common characters each, whose 4 MB fallback font is
the worst case: the first orders of a process cut its pages, later ones mostly reuse them),
p50/p95 wall and CPU time, PDF size, peak RSS. Target: p95 < 30 ms per order.

Then the mail of many orders, as real processes on a fresh PostgreSQL database and
RabbitMQ vhost: orders of 1-4 attendees (free: completed as placed) are placed one after
another while the relay and `consume mail` processes run, each mailed with its PDF and
.ics to a loopback SMTP sink. Reported: orders mailed per second (first completion to
last hand-over), p95 from an order's completion to its mail's hand-over (mails.sent_at),
the mail consumers' peak RSS (VmHWM), and the CPU an order costs each process it runs
through (consumers, relay, PostgreSQL, RabbitMQ, the placing and the sink) with the
ceiling that total puts on this machine's cores. Targets: >= 100 orders/s, p95 < 2 s,
< 250 MB.

The mail runs: a burst (the orders placed as fast as one process places them: they
complete "at once", and p95 then measures the backlog's drain), one per consumer
process count (consumers compete on one queue, as operators scale them); `--baseline
REV` first runs the same burst with that revision's relay and consumers in the same
minute; `--rate R` adds a run placing R orders a second, where p95 is the latency of a
pace the consumers keep up with.

Run: `python -m bench tickets [--orders 300] [--mails 1000] [--mail-consumers 1,2]
[--rate 50] [--baseline main]` (the defaults shown but --rate and --baseline)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, random, resource, sys, time
from printing.ticket import TicketFace, render_tickets
COMMON = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
          "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
          "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国斌宇浩凯健俊帆")
n, script = int(sys.argv[1]), sys.argv[2]
ident = "AbCdEfGhIjKlMnOpQrStUv"
def order(i):
    names = [f"Attendee{i:05d} Example{k}" for k in range(1 + i % 4)]
    if script == "cjk":  # three common characters a name, drawn with a fixed seed
        pick = random.Random(i)
        names = ["".join(pick.choice(COMMON) for _ in range(3)) for _ in names]
    return [TicketFace("PyCon Europe 2027", "Mon 1 Mar 2027, 09:00 – Tue 2 Mar 2027, 18:00 "
                       "(Europe/Berlin)", "Berlin Congress Center", "Full conference",
                       "25.00 EUR", name, ident, f"{ident}-{10000 + i * 4 + k}")
            for k, name in enumerate(names)]
render_tickets(order(0))  # the fonts parsed once per process, as in a server
wall, cpu, size = [], [], 0
for i in range(1, n + 1):
    t, c = time.perf_counter(), time.process_time()
    size += len(render_tickets(order(i)))
    wall.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
wall.sort()
cpu.sort()
pick = lambda xs, q: xs[min(len(xs) - 1, int(len(xs) * q))] * 1000
print(json.dumps({"p50_ms": pick(wall, .5), "p95_ms": pick(wall, .95),
                  "cpu_p50_ms": pick(cpu, .5), "cpu_p95_ms": pick(cpu, .95),
                  "kb_per_order": size / n / 1024,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def pdf_timing(orders: int, script: str = "latin") -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(orders), script], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# where an order's CPU goes: every process the mail of an order runs through
SHARES = ("consumers", "relay", "postgres", "rabbitmq", "bench")


def _cpu(relay: int, mailers: list[int]) -> dict[str, float]:
    """CPU seconds so far of each part: the mail consumers, the relay, PostgreSQL and
    RabbitMQ (every process of the machine's servers: run nothing else meanwhile), and
    this process (placing the orders and the SMTP sink's thread)."""
    from bench.common import cpu_seconds, named_pids

    return {"consumers": cpu_seconds(mailers), "relay": cpu_seconds([relay]),
            "postgres": cpu_seconds(named_pids("postgres")),
            "rabbitmq": cpu_seconds(named_pids("beam.smp")),
            "bench": sum(os.times()[:2])}


def _buyers(db, n: int) -> list:
    """`n` buyers with verified addresses, inserted at once (a password hash each would
    take minutes). One buyer a order, as in a sale: the mail consumer locks the buyer's
    row while it reads the address (models/badges/recipients.py), so one buyer for every
    order would queue competing consumers behind each other."""
    from models.accounts.tables import User
    from models.core.base import utcnow

    now = utcnow()
    with db.session() as s:
        users = [User(email=f"buyer{i:05d}@bench.example", email_verified_at=now,
                      display_name=f"Buyer {i}") for i in range(n)]
        s.add_all(users)
        s.commit()
        for user in users:
            s.refresh(user)
        s.expunge_all()
    return users


def mail_pipeline(n: int, consumers: int, folder: Path, rate: float | None = None,
                  root: Path = ROOT) -> dict:
    """`n` free orders placed (at `rate` a second, or as fast as one process places
    them: a burst) while the relay and `consumers` mail consumers of the tree `root`
    run."""
    import time
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bench.common import percentile, services
    from models.accounts.users import create_user
    from models.catalog import events as catalog
    from models.core.config import Config
    from models.core.db import Database
    from models.mail.tables import Mail
    from models.ticketing.orders.place import AttendeeDetails, place_order
    from models.ticketing.tables import Order
    from tests.support.processes import Processes
    from tests.support.smtp import smtp_server
    from tests.support.speaker_identity import random_secret_key

    # the sink keeps the bytes unparsed: its Python parse is the bench's cost, not the
    # system's (a real mail server does not share these cores' GIL with the load)
    with services() as (db_url, amqp_url), smtp_server(parse=False) as (smtp_url, inbox):
        config = Config(database_url=db_url, amqp_url=amqp_url, smtp_url=smtp_url,
                        secret_key=random_secret_key(), order_max_per_account=10**6,
                        order_max_per_address=10**6)
        db = Database(config)
        owner = create_user(db, "owner@bench.example", "bench-password", verified=True)
        buyers = _buyers(db, n)
        event = catalog.create_event(db, owner, {
            "name": "PyCon Bench", "starts_at": datetime(2027, 3, 1, 8, tzinfo=UTC),
            "ends_at": datetime(2027, 3, 2, 17, tzinfo=UTC), "timezone": "Europe/Berlin",
            "location_name": "Hall A"})
        ticket = catalog.create_ticket(db, owner, event.id, {
            "name": "Community", "quantity": 4 * n, "max_order": 10})
        env = {"DATABASE_URL": db_url, "AMQP_URL": amqp_url, "SMTP_URL": smtp_url,
               "LOG_LEVEL": "WARNING", "BASE_URL": "http://127.0.0.1:8000",
               "SECRET_KEY": config.secret_key}
        procs = Processes(env, folder, root)
        try:
            relay = procs.start("relay", ready="relay running")
            mailers = [procs.start("consume", "mail", ready="consumer mail running")
                       for _ in range(consumers)]
            pids = relay.popen.pid, [m.popen.pid for m in mailers]
            cpu0 = _cpu(*pids)
            started = time.monotonic()
            for i in range(n):
                if rate:
                    time.sleep(max(0.0, started + i / rate - time.monotonic()))
                place_order(db, buyers[i], event.id, [
                    AttendeeDetails(ticket.id, f"Guest{i:05d}", f"Example{k}", None)
                    for k in range(1 + i % 4)])
            placing = time.monotonic() - started
            inbox.wait_for(n, timeout=1800)
            peak = max(_vm_hwm_mb(m.popen.pid) for m in mailers)
            cpu = {k: v - cpu0[k] for k, v in _cpu(*pids).items()}
        finally:
            procs.stop_all()
        with db.session() as s:
            done = dict(s.execute(select(Order.id, Order.completed_at)).all())
            sent = {int(ref.split(":")[1]): at for ref, at in s.execute(
                select(Mail.reference, Mail.sent_at).where(Mail.kind == "tickets"))}
        db.dispose()
    lags = [(sent[o] - done[o]).total_seconds() for o in done if o in sent]
    span = (max(sent.values()) - min(done.values())).total_seconds()
    return {"mailed": len(sent), "orders": n, "orders_per_s": len(sent) / span,
            "placed_per_s": n / placing, "p50_s": percentile(lags, 50),
            "p95_s": percentile(lags, 95), "peak_rss_mb": peak,
            "cpu_ms": {k: v / n * 1000 for k, v in cpu.items()}}


def _report(label: str, consumers: int, m: dict) -> list[object]:
    """One table row: throughput and latency, then CPU ms an order by part, their total,
    and the orders a second the machine's cores could carry at that total (every part
    busy all the time: the ceiling, whatever the number of consumers)."""
    total = sum(m["cpu_ms"].values())
    return [label, consumers, f"{m['mailed']}/{m['orders']}", f"{m['placed_per_s']:.0f}",
            f"{m['orders_per_s']:.1f}", f"{m['p50_s']:.2f}", f"{m['p95_s']:.2f}",
            *(f"{m['cpu_ms'][k]:.1f}" for k in SHARES), f"{total:.1f}",
            f"{(os.cpu_count() or 1) * 1000 / total:.0f}", f"{m['peak_rss_mb']:.0f}",
            f"{os.getloadavg()[0]:.1f}"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench tickets")
    parser.add_argument("--orders", type=int, default=300, help="orders of the PDF timing")
    parser.add_argument("--mails", type=int, default=1000, help="orders mailed a run")
    parser.add_argument("--mail-consumers", default="1,2",
                        help="consumer process counts, a burst run each")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="also a paced run: orders placed at this rate a second")
    parser.add_argument("--baseline", default="",
                        help="a git revision whose consumers run the same burst first")
    args = parser.parse_args(argv if argv is not None else [])
    counts = [int(c) for c in str(args.mail_consumers).split(",") if c]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for script in ("latin", "cjk"):
        if not args.orders:
            break
        r = pdf_timing(args.orders, script)
        print(f"order PDF ({script}): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"(CPU p50 {r['cpu_p50_ms']:.1f}, p95 {r['cpu_p95_ms']:.1f}; target p95 < 30), "
              f"{r['kb_per_order']:.0f} KB, peak {r['peak_rss_mb']:.0f} MB", flush=True)
    if not args.mails:
        return
    from bench.common import table
    from bench.compare import checkout

    rows = []
    with tempfile.TemporaryDirectory(prefix="venuebus-bench-") as tmp:
        runs = [("this tree", ROOT, c, None) for c in counts]
        if args.baseline:
            tree = checkout(args.baseline, Path(tmp) / "baseline")
            runs = [(args.baseline, tree, counts[0], None), *runs]
        if args.rate:
            runs.append((f"this tree, {args.rate:g}/s", ROOT, counts[-1], args.rate))
        for i, (label, tree, consumers, rate) in enumerate(runs):
            folder = Path(tmp) / f"run{i}"
            folder.mkdir()
            m = mail_pipeline(args.mails, consumers, folder, rate, tree)
            rows.append(_report(label, consumers, m))
            print("  ".join(map(str, rows[-1])), flush=True)
    table("Tickets mailed: orders placed in one process (a burst unless paced), relay and "
          "mail consumers as processes, loopback SMTP sink. Targets: >= 100 orders/s, "
          "p95 completion -> hand-over < 2 s, < 250 MB a consumer. CPU ms an order by "
          "part (bench: placing the orders and the SMTP sink); ceiling: orders/s these "
          "cores carry at that total",
          ["run", "consumers", "mailed", "placed/s", "mailed/s", "p50 s", "p95 s",
           *(f"{k} ms" for k in SHARES), "total ms", "ceiling/s", "peak MB", "load"], rows)


if __name__ == "__main__":
    main(sys.argv[1:])
