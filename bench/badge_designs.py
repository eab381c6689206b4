"""The designed badge, measured in a fresh child process each: A4, a background image
(2400 × 1800 JPEG, cover-cropped), four lines in three faces and a QR code; and the preview
(one badge rasterised from its PDF), the same template, p50/p95 over varied names.
Targets: >= 150 badges/s and < 300 MB peak at 1,000 and at 10,000 rows; preview p95 < 150 ms.
Called by bench/badges.py (`python -m bench badges`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import json, sys, time
from PIL import Image, ImageDraw
from printing.images import ImageFile
from printing.template import clean_template
n, folder = int(sys.argv[1]), sys.argv[2]
img = Image.new("RGB", (2400, 1800), (30, 90, 160))
ImageDraw.Draw(img).ellipse((300, 200, 2100, 1600), fill=(240, 200, 60))
img.save(f"{folder}/background.jpg", quality=90)
images = {1: ImageFile(f"{folder}/background.jpg", 0.5, 0.4)}
template = clean_template({"paper-size": "A4", "badge-size": "4x3in", "background-image": 1,
    "background": "plain", "qr": {"position": "bottom-right", "size-mm": 24},
    "lines": [{"field": "first-name", "font": "display", "size-pt": "fit", "bold": True},
              {"field": "last-name", "font": "sans", "size-pt": 16},
              {"field": "organisation", "font": "serif", "size-pt": 11},
              {"field": "ticket", "font": "mono", "size-pt": 9, "colour": "#ffffff"}]})
def row(i):
    return {"name": f"Attendee {i:05d} Example", "organisation": "Open Source Guild",
            "ticket": "Full conference", "secret": f"checkin-{i:05d}-6f1d2c3b4a59"}
def peak_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a
    # parent that grew first (bench/badges.py's pipeline) reported the parent's peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

RENDER = SETUP + """
from printing.render import render_badges
t = time.perf_counter()
r = render_badges((row(i) for i in range(n)), template, f"{folder}/designed.pdf", images=images)
dt = time.perf_counter() - t
print(json.dumps({"badges_per_s": n / dt, "seconds": dt, "pages": r.page_count,
                  "mb": r.size_bytes / 1e6, "peak_rss_mb": peak_mb()}))
"""

PREVIEW = SETUP + """
from printing.preview import render_png
# Names of varied letters (accents too): the preview remembers font subsets, and
# "Attendee 00001" after "Attendee 00002" would ask for the same glyphs every time.
FIRST = ("Ada Grace Alan Barbara Edsger Donald Frances Margaret Tim Linus Guido Radia "
         "Katherine Dennis Ken Bjarne Anita Sophie Hedy Niklaus Joan Zoë Jürgen Ørjan").split()
LAST = ("Lovelace Hopper Turing Liskov Dijkstra Knuth Allen Hamilton Berners-Lee Torvalds "
        "van Rossum Perlman Johnson Ritchie Thompson Stroustrup Borg Wilson Lamarr Wirth "
        "Clarke Müller Søndergaard").split()
ORGS = ("ACME Corp", "Open Source Guild", "Python Software Foundation", "Université Paris",
        "Initech", "Globex", "Wayne Enterprises")
def varied(i):
    return {"name": f"{FIRST[i * 7 % len(FIRST)]} {LAST[i * 11 % len(LAST)]}",
            "organisation": ORGS[i % len(ORGS)], "ticket": ("Full conference", "Speaker",
            "Day pass")[i % 3], "secret": f"checkin-{i:05d}-6f1d2c3b4a59"}
render_png(varied(0), template, images=images)  # fonts and the crop warm, as in a server
times, cpu = [], []
for i in range(1, n + 1):
    t, c = time.perf_counter(), time.process_time()
    render_png(varied(i), template, images=images)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
times.sort()
cpu.sort()
# CPU time too: on a machine shared with other work the wall clock waits for a core.
print(json.dumps({"p50_ms": times[len(times) // 2] * 1000,
                  "p95_ms": times[int(len(times) * 0.95)] * 1000,
                  "cpu_p50_ms": cpu[len(cpu) // 2] * 1000,
                  "cpu_p95_ms": cpu[int(len(cpu) * 0.95)] * 1000, "peak_rss_mb": peak_mb()}))
"""


def _child(script: str, n: int, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", script, str(n), str(folder)], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def designed(n: int, folder: Path) -> dict:
    return _child(RENDER, n, folder)


def preview(n: int, folder: Path) -> dict:
    return _child(PREVIEW, n, folder)
