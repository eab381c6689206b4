"""`venuebus device setup-server` as a process: token printed once at first boot,
loopback by default, hostile values reach nmcli as single arguments, nothing logged."""

from __future__ import annotations

import json
import re
import sys

import pytest
import requests

from tests.support.http import answers
from tests.support.processes import free_port, wait_until

pytestmark = pytest.mark.slow

RECORDER = """import json, sys
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(sys.argv[2:]) + "\\n")
"""


def test_setup_server_process_prints_its_token_once_and_applies_wifi_safely(procs, tmp_path):
    recorder, calls = tmp_path / "nmcli.py", tmp_path / "calls.jsonl"
    recorder.write_text(RECORDER)
    port = free_port()
    args = ["device", "setup-server", "--port", str(port), "--token-file",
            str(tmp_path / "setup-token"), "--config", str(tmp_path / "agent.json"),
            "--nmcli", f"{sys.executable} {recorder} {calls}"]
    server = procs.start(*args, ready="setup server on http://127.0.0.1:")
    token = re.search(r"setup token: (\S+)", server.output()).group(1)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(base + "/"), what="setup server")
    ssid, password = 'hall"; reboot; $(id)', "pass\nword 'x' `y`"

    refused = requests.post(base + "/setup/wifi", json={"ssid": ssid, "password": password},
                            timeout=5)
    applied = requests.post(base + "/setup/wifi", json={"ssid": ssid, "password": password},
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)

    assert refused.status_code == 401 and applied.status_code == 204
    assert [json.loads(x) for x in calls.read_text().splitlines()] == [
        ["device", "wifi", "connect", ssid, "password", password]]
    assert "reboot" not in server.output() and "word" not in server.output()
    server.terminate()
    again = procs.start(*args, ready="setup server on")  # second boot: the token is not shown
    assert "setup token" not in again.output()
