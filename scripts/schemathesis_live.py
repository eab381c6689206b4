"""schemathesis run as a client would, against the live app (README, "the HTTP surface"):
a private PostgreSQL database migrated to the head, the fuzz world of
tests/support/fuzz.py made in it, `venuebus api` (gunicorn) on a free port with
`STRIPE_WEBHOOK_SECRET` and `BASE_URL` set to its own origin, and
`schemathesis run <BASE_URL>/v1/openapi.json -H 'Authorization: Bearer <owner>' -n 25
--seed 1` (every phase, stateful included) from the repository's root, so that
schemathesis.toml is read. Prints the run's summary; the whole output goes to
var/schemathesis-live.log. The server is stopped and the database dropped afterwards.

    PYTHONPATH=$PWD .venv/bin/python scripts/schemathesis_live.py [schemathesis options]

About 7 minutes on a 2-core machine. Options after the script's name go to schemathesis
(e.g. `--include-path-regex speaker` for one area). The exit status is schemathesis's."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from models.core.config import Config  # noqa: E402
from models.core.db import Database  # noqa: E402
from models.core.migrate import upgrade  # noqa: E402
from tests.support.fuzz import make_fuzz_world  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.services import fresh_database, postgres_server  # noqa: E402
from tests.support.speaker_identity import random_secret_key  # noqa: E402

LOG = ROOT / "var" / "schemathesis-live.log"
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) \
    or "schemathesis"


def seed(config: Config) -> str:
    """The fuzz world in `config`'s database, made through the API in-process (as the
    in-suite fuzz test makes it); returns its owner's bearer token."""
    db = Database(config)
    try:
        return make_fuzz_world(create_app(config, db).test_client(), db).token
    finally:
        db.dispose()


def wait_for(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"venuebus api exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def summary(output: str) -> str:
    """The run's closing part: the failures found, by operation, and the counts."""
    start = output.find("=== SUMMARY")
    if start < 0:
        start = max(0, len(output) - 4000)
    return output[output.rfind("\n", 0, start) + 1:]


def main(extra: list[str]) -> int:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with postgres_server() as admin_url, fresh_database(admin_url, "venuebus_live") as url:
        upgrade(url)
        config = Config(database_url=url, secret_key=random_secret_key(),
                        stripe_webhook_secret="whsec_live", base_url=origin)
        token = seed(config)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": config.secret_key,
               "STRIPE_WEBHOOK_SECRET": config.stripe_webhook_secret, "BASE_URL": origin,
               "METRICS_PORT": "0", "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-m", "cli", "api", "--port", str(port),
                                   "--workers", "2"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            wait_for(f"{origin}/v1/openapi.json", server)
            run = subprocess.run(
                [SCHEMATHESIS, "run", f"{origin}/v1/openapi.json", "-H",
                 f"Authorization: Bearer {token}", "-n", "25", "--seed", "1", *extra],
                cwd=ROOT, capture_output=True, text=True,
                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"})
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    output = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text(output)
    print(summary(output))
    print(f"(whole output: {LOG.relative_to(ROOT)})")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
