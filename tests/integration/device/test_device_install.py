"""The device as a Pi gets it: a fresh virtualenv with `pip install <repo>/pi` (the
speaker's own distribution) and nothing else. It installs the device, bus and contracts
packages alone, no server package may be importable there, every device module must
import, and the real agent (`python -m device run`) must play a song commanded over this
run's broker. A server import anywhere on the device's path fails here, which a check of
`sys.modules` in the development venv (where every package is installed) cannot do."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from contracts.speakers import new_command
from tests.support.device import BrokerPeer, recent_rms, wait_growing, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
# import names of the server extra's packages, the ones a stray import would pull in
SERVER_MODULES = ("sqlalchemy", "psycopg2", "alembic", "marshmallow", "firebase_admin", "fpdf",
                  "apispec", "jwt", "argon2", "gunicorn", "segno", "aiosmtpd")
NOT_SHIPPED = (".git", ".venv", "var", "build", "*.egg-info", "node_modules", "__pycache__",
               ".pytest_cache", ".ruff_cache", "tests", "bench", "docs", "docker")

# what the agent's process loads (the setup server, a separate process, may use Flask)
AGENT_PATH = ("device.cli", "device.agent", "device.media_server")
# the repository's top-level packages; the Pi gets the first three
SHIPPED = ("device", "bus", "contracts")
NOT_SHIPPED_PACKAGES = ("api", "models", "producers", "consumers", "brokerops", "cli",
                        "migrations")
# installed on the device, or importable from the wheel, but not for the agent to load
NOT_FOR_THE_AGENT = ("models", "api", "flask")

PROBE = """
import importlib, importlib.metadata as md, importlib.util, json, pkgutil, sys
agent_path, not_for_the_agent, server_modules, project = (json.loads(a) for a in sys.argv[1:])
for name in agent_path:
    importlib.import_module(name)
loaded_by_the_agent_path = [m for m in not_for_the_agent + server_modules if m in sys.modules]
import device
modules = [m.name for m in pkgutil.walk_packages(device.__path__, "device.")]
for name in modules:
    importlib.import_module(name)
print(json.dumps({
    "device_file": device.__file__,
    "imported": modules,
    "loaded_by_the_agent_path": loaded_by_the_agent_path,
    "models_or_api_loaded": [m for m in ("models", "api") if m in sys.modules],
    "distributions": sorted(d.metadata["Name"] for d in md.distributions()),
    "top_level": sorted({f.parts[0] for f in md.distribution("venuebus-device").files
                         if not f.parts[0].endswith(".dist-info") and f.parts[0] != ".."}),
    "project_importable": [m for m in project if importlib.util.find_spec(m)],
    "server_importable": [m for m in server_modules if importlib.util.find_spec(m)],
}))
"""
# `python -m device` as the Pi runs it, noting at exit what the process had loaded
RUN_REPORTING_MODULES = """
import atexit, json, sys
report, forbidden = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["venuebus-device", *sys.argv[3:]]
atexit.register(lambda: open(report, "w").write(json.dumps(
    [m for m in forbidden if m in sys.modules])))
from device.cli import main
main()
"""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def server_only_distributions() -> set[str]:
    """The server extra's distributions that the device's distribution does not also need
    (read from the pyproject files, so a new server dependency counts)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pi = tomllib.loads((ROOT / "pi" / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {normalized(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}

    return names(project["optional-dependencies"]["server"]) - names(pi["dependencies"])


def isolated_env() -> dict[str, str]:
    """The environment without anything that would lead Python back to the worktree or
    the development venv."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}


@pytest.fixture(scope="module")
def device_python(tmp_path_factory) -> Path:
    """A fresh venv with the device's distribution (pi/) installed, not editable.
    Built from a copy of the sources: pip builds in the source tree, and a stale build/
    there could put modules into the wheel that the repository no longer has."""
    tmp = tmp_path_factory.mktemp("device-install")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    venv = tmp / "venv"
    # Speed: the running pip aimed at the venv (ensurepip alone takes ~15 s here), and no
    # bytecode compiling (two thirds of the install time, yt-dlp is large); pip's cache.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-compile", str(source / "pi")], capture_output=True, text=True, timeout=300,
        cwd=tmp, env=isolated_env())
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_the_device_install_has_no_server_package_and_imports_every_device_module(
        device_python, tmp_path):
    probe = subprocess.run([str(device_python), "-c", PROBE, *map(json.dumps, (
        AGENT_PATH, NOT_FOR_THE_AGENT, SERVER_MODULES, NOT_SHIPPED_PACKAGES))],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path,
                           env=isolated_env())

    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout)
    assert found["server_importable"] == []
    assert found["loaded_by_the_agent_path"] == []
    assert found["models_or_api_loaded"] == []  # nor by the setup server
    installed = {normalized(name) for name in found["distributions"]}
    assert installed & server_only_distributions() == set()
    assert {"python-vlc", "yt-dlp", "pika", "venuebus-device"} <= installed
    assert "venuebus" not in installed
    assert found["top_level"] == sorted(SHIPPED)
    assert found["project_importable"] == []
    # the installed copy ran, not the worktree's sources
    assert found["device_file"].startswith(str(device_python.parents[1]))
    assert {"device.agent", "device.setup_server", "device.media_server"} <= set(
        found["imported"])


def test_the_agent_from_the_device_install_plays_what_the_broker_commands(
        device_python, amqp_url, media, tmp_path):
    device_id = str(uuid.uuid4().int % 10**9)
    out, log, loaded = tmp_path / "out.wav", tmp_path / "agent.log", tmp_path / "loaded.json"
    peer = BrokerPeer(amqp_url, device_id)  # bound before the agent reports anything
    venuebus = [str(device_python), "-c", RUN_REPORTING_MODULES, str(loaded),
                json.dumps([*NOT_FOR_THE_AGENT, *SERVER_MODULES])]
    with open(log, "wb") as log_file:
        agent = subprocess.Popen(
            [*venuebus, "run", "--id", device_id, "--amqp-url", amqp_url,
             "--media-hosts", "127.0.0.1",
             "--audio-file", str(out), "--state-dir", str(tmp_path / "state")],
            cwd=tmp_path, env=isolated_env(), stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "listening on" in log.read_text() or agent.poll() is not None,
                   timeout=60, what="the agent to connect")
        assert agent.poll() is None, log.read_text()[-3000:]

        play = new_command("play", int(device_id), str(uuid.uuid4()),
                           query=media.url("tone30.wav"))
        peer.send(play)
        playing = peer.wait_state(lambda s: s["status"] == "playing", timeout=30)
        assert playing["command_id"] == play.command_id and playing["title"] == "tone30"
        wait_growing(out, by=88_200)
        assert recent_rms(out) > 1000  # a tone, not silence

        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0, log.read_text()[-3000:]
        peer.wait_state(lambda s: s["status"] == "stopped")  # it said so before leaving
        assert "Traceback" not in log.read_text()
        assert json.loads(loaded.read_text()) == []  # lazily either: not by the running agent
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(10)
        peer.close()
