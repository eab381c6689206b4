"""The designed badge, measured in a fresh child process each: A4, a background image
(2400 × 1800 JPEG, cover-cropped), four lines in three faces and a QR code; and the preview
(one badge rasterised from its PDF), the same template, p50/p95 over distinct names.
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
import json, resource, sys, time
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
render_png(row(0), template, images=images)  # fonts and the crop warm, as in a server
times = []
for i in range(1, n + 1):
    t = time.perf_counter()
    render_png(row(i), template, images=images)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"p50_ms": times[len(times) // 2] * 1000,
                  "p95_ms": times[int(len(times) * 0.95)] * 1000, "peak_rss_mb": peak_mb()}))
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
