"""The Firebase Auth emulator (firebase-tools, project-local) for the tests: installed by
scripts/firebase-emulator.sh, started on free ports, users made through its REST API."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.support.processes import ROOT, wait_until
from tests.support.smtp import free_port

PROJECT = "demo-venuebus"
SCRIPT = ROOT / "scripts" / "firebase-emulator.sh"


def missing_reason() -> str | None:
    """Why the emulator cannot run here, or None."""
    if not (shutil.which("node") and shutil.which("npm")):
        return "Node.js/npm not installed (scripts/system-deps.sh installs them)"
    return None


def install() -> Path:
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, timeout=900)
    out = subprocess.run(["bash", str(SCRIPT), "bin"], check=True, capture_output=True,
                         text=True)
    return Path(out.stdout.strip())


def _ready(host: str) -> bool:
    try:
        return requests.get(f"http://{host}/", timeout=1).ok
    except requests.RequestException:
        return False


@contextlib.contextmanager
def auth_emulator(workdir: Path) -> Iterator[str]:
    """Start `firebase emulators:start --only auth`; yield its host:port."""
    firebase = install()
    port = free_port()
    config = {"emulators": {"auth": {"host": "127.0.0.1", "port": port},
                            "hub": {"host": "127.0.0.1", "port": free_port()},
                            "logging": {"host": "127.0.0.1", "port": free_port()},
                            "ui": {"enabled": False}, "singleProjectMode": True}}
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "firebase.json").write_text(json.dumps(config))
    log = open(workdir / "emulator.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(firebase), "emulators:start", "--only", "auth", "--project",
                             PROJECT, "--config", str(workdir / "firebase.json")],
                            cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                            env={"PATH": "/usr/local/bin:/usr/bin:/bin",
                                 "HOME": str(workdir)})
    host = f"127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(host) or proc.poll() is not None, timeout=90,
                   what="the Firebase Auth emulator")
        if proc.poll() is not None:
            raise RuntimeError("emulator exited:\n"
                               + (workdir / "emulator.log").read_text(errors="replace"))
        yield host
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _call(host: str, op: str, body: dict) -> dict:
    r = requests.post(f"http://{host}/identitytoolkit.googleapis.com/v1/accounts:{op}"
                      "?key=fake-api-key", json=body, timeout=10)
    assert r.ok, r.text
    return r.json()


def sign_up(host: str, email: str, password: str, display_name: str) -> tuple[str, str]:
    """Create a Firebase user; (uid, ID token) with the display name in it."""
    first = _call(host, "signUp", {"email": email, "password": password,
                                   "returnSecureToken": True})
    _call(host, "update", {"idToken": first["idToken"], "displayName": display_name})
    token = _call(host, "signInWithPassword", {"email": email, "password": password,
                                               "returnSecureToken": True})["idToken"]
    return first["localId"], token


def change_email(host: str, id_token: str, email: str) -> None:
    _call(host, "update", {"idToken": id_token, "email": email})


def _admin(host: str, op: str, body: dict) -> dict:
    """An Admin API call: the emulator takes `Bearer owner` as the project's owner."""
    r = requests.post(f"http://{host}/identitytoolkit.googleapis.com/v1/projects/{PROJECT}"
                      f"/accounts:{op}", json=body, headers={"Authorization": "Bearer owner"},
                      timeout=10)
    assert r.ok, r.text
    return r.json()


def mark_email_verified(host: str, uid: str) -> None:
    """Firebase marks the user's address verified (as following its own link does)."""
    _admin(host, "update", {"localId": uid, "emailVerified": True})


def revoke_refresh_tokens(host: str, uid: str) -> None:
    """What `auth.revoke_refresh_tokens` does: ID tokens issued before now are revoked
    (Firebase counts in whole seconds: a token of this very second stays valid)."""
    import time

    _admin(host, "update", {"localId": uid, "validSince": str(int(time.time()))})


def sign_in(host: str, email: str, password: str) -> str:
    """A fresh ID token (with the claims Firebase holds now)."""
    return _call(host, "signInWithPassword", {"email": email, "password": password,
                                              "returnSecureToken": True})["idToken"]
