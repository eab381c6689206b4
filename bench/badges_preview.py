"""Benchmark: `GET /v1/badge-templates/<id>/preview.png` as a client sees it (in-process
Flask, a fresh PostgreSQL database), for bench/badge_designs.py's design saved as a
template (4 × 3 in, a 2400 × 1800 background image, four lines in four faces, QR) and
varied names. Target: p95 < 150 ms. CPU time too (time.process_time): on a machine
shared with other work the wall clock waits for a core.

Run: `python -m bench badges_preview` or `python -m bench.badges_preview [--count 200]`."""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image, ImageDraw

FIRST = "Ada Grace Alan Barbara Edsger Donald Frances Zoë Jürgen Ørjan Linus Radia".split()
LAST = "Lovelace Hopper Turing Liskov Dijkstra Knuth Allen Müller Søndergaard Wirth".split()
TEMPLATE = {"paper-size": "A4", "badge-size": "4x3in", "background": "plain",
            "qr": {"position": "bottom-right", "size-mm": 24},
            "lines": [{"field": "first-name", "font": "display", "size-pt": "fit",
                       "bold": True},
                      {"field": "last-name", "font": "sans", "size-pt": 16},
                      {"field": "organisation", "font": "serif", "size-pt": 11},
                      {"field": "line-2", "font": "mono", "size-pt": 9,
                       "colour": "#ffffff"}]}


def _background() -> bytes:
    img = Image.new("RGB", (2400, 1800), (30, 90, 160))
    ImageDraw.Draw(img).ellipse((300, 200, 2100, 1600), fill=(240, 200, 60))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def preview_requests(n: int, folder: Path) -> dict:
    from api.app import create_app
    from bench.common import database, percentile
    from models.accounts.users import create_user
    from models.core.config import Config
    from models.core.db import Database
    from tests.support.speaker_identity import random_secret_key

    with database() as db_url:
        config = Config(database_url=db_url, badge_storage=str(folder / "badges"),
                        secret_key=random_secret_key())
        db = Database(config)
        create_user(db, "bench@example.com", "bench-password", verified=True)
        client = create_app(config, db).test_client()
        token = client.post("/v1/auth/login", json={
            "email": "bench@example.com", "password": "bench-password"}
        ).get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        r = client.post("/v1/badge-images", headers=headers, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(_background()), "hall.jpg")})
        assert r.status_code == 201, r.get_json()
        template = {**TEMPLATE, "background-image": int(r.get_json()["data"]["id"])}
        r = client.post("/v1/badge-templates", headers=headers, json={"data": {
            "type": "badge-template", "attributes": {"name": "Bench", "template": template}}})
        assert r.status_code == 201, r.get_json()
        url = f"{r.headers['Location']}/preview.png"

        def ask(i: int) -> None:
            query = urlencode({"name": f"{FIRST[i * 7 % len(FIRST)]} {LAST[i * 3 % len(LAST)]}",
                               "organisation": ("ACME", "Université Paris", "Initech")[i % 3],
                               "line-2": ("Speaker", "Full conference")[i % 2]})
            got = client.get(f"{url}?{query}", headers=headers)
            assert got.status_code == 200 and got.mimetype == "image/png", got.status_code

        ask(0)  # fonts, crop and connections warm, as in a running server
        wall, cpu = [], []
        for i in range(1, n + 1):
            t, c = time.perf_counter(), time.process_time()
            ask(i)
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        db.dispose()
    return {"p50_ms": percentile(wall, 50), "p95_ms": percentile(wall, 95),
            "cpu_p50_ms": percentile(cpu, 50), "cpu_p95_ms": percentile(cpu, 95)}


def main(argv: list[str] | None = None) -> None:
    from bench.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    # Called as `python -m bench badges_preview`, sys.argv is the runner's, not ours.
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    with tempfile.TemporaryDirectory(prefix="venuebus-bench-") as tmp:
        p = preview_requests(args.count, Path(tmp))
    table(f"GET preview.png, {args.count} varied names; target p95 < 150 ms",
          ["p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms"],
          [[p["p50_ms"], p["p95_ms"], p["cpu_p50_ms"], p["cpu_p95_ms"]]])


if __name__ == "__main__":
    main()
