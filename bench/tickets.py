"""Benchmark: an order's ticket PDF (printing/ticket.py), rendered in a fresh child
process as the API and the tickets mail would: 1-4 attendees an order, distinct Latin
names (and a run with one CJK name an order, whose 4 MB fallback font is the worst case),
p50/p95 wall and CPU time, PDF size, peak RSS. Target: p95 < 30 ms per order.

Run: `python -m bench tickets [--orders 300]`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from printing.ticket import TicketFace, render_tickets
n, script = int(sys.argv[1]), sys.argv[2]
ident = "AbCdEfGhIjKlMnOpQrStUv"
def order(i):
    names = [f"Attendee{i:05d} Example{k}" for k in range(1 + i % 4)]
    if script == "cjk":
        names[0] = "山田 太郎" + "一二三四五六七八九十"[i % 10]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench tickets")
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args(argv if argv is not None else [])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for script in ("latin", "cjk"):
        r = pdf_timing(args.orders if script == "latin" else max(args.orders // 10, 20),
                       script)
        print(f"order PDF ({script}): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"(CPU p50 {r['cpu_p50_ms']:.1f}, p95 {r['cpu_p95_ms']:.1f}; target p95 < 30), "
              f"{r['kb_per_order']:.0f} KB, peak {r['peak_rss_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
