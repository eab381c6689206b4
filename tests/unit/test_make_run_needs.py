"""`make run` prepares what running needs and no more: the local broker's management
plugin (without it the demo speaker's broker user is never made), the player's Debian
packages, and none of the test tools (chromium, Node.js, the Firebase emulator)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"chromium", "nodejs", "npm", "poppler-utils", "zbar-tools"}


def dry_run(target: str) -> str:
    return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=30).stdout


def packages(role: str) -> set[str]:
    out = subprocess.run(["bash", "scripts/system-deps.sh", role, "--list"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return set(out.split())


def test_make_run_enables_the_management_plugin_and_installs_the_run_set_only():
    plan = dry_run("run")
    assert "scripts/broker-plugins.sh" in plan
    assert "system-deps.sh run" in plan
    assert "system-deps.sh test" not in plan and "firebase-emulator" not in plan


def test_the_run_set_has_the_player_and_no_test_tool():
    assert {"vlc-plugin-base", "libvlc5"} <= packages("run")
    assert not packages("run") & TEST_ONLY
    assert TEST_ONLY | packages("run") <= packages("test")


def test_make_test_still_prepares_every_test_tool():
    plan = dry_run("test")
    assert "system-deps.sh test" in plan and "firebase-emulator.sh install" in plan
    assert "scripts/broker-plugins.sh" in plan
