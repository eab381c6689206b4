"""BASE_URL: the API and the mail consumer refuse to start without it (links would name
whatever host they guessed); --dev starts with the address it serves, and serves
/metrics on its own port."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.support.http import answers
from tests.support.processes import ROOT, free_port, wait_until

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("command", [["api"], ["consume", "mail"]])
def test_link_builders_refuse_to_start_without_base_url(command, spine_env):
    env = {**os.environ, **spine_env, "BASE_URL": "", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cli", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == os.EX_CONFIG, done.stdout + done.stderr
    assert "BASE_URL is unset" in done.stderr
    assert "listening" not in done.stdout and "running" not in done.stdout


def test_dev_links_to_the_address_it_serves_and_shows_metrics_there(procs):
    port = free_port()
    procs.start("api", "--dev", "--port", str(port), env={"BASE_URL": ""})
    api = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{api}/healthz", 200), what="api --dev")
    r = requests.get(f"{api}/home", headers={"Host": "evil.example"}, allow_redirects=False,
                     timeout=5)
    assert r.headers["Location"] == f"{api}/signin?next=/home?"
    assert "venuebus_http_requests_total" in requests.get(f"{api}/metrics", timeout=5).text
