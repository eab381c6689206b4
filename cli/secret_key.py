"""SECRET_KEY checks for the server processes, and the key `venuebus run` keeps under var/.

`venuebus api`, `relay` and `consume` refuse to start with a key that is unset, shorter
than 32 bytes, or one anyone can read: every key ever written in this repository (the
old built-in default, the compose and bench placeholders, the test keys) and keys of a
few repeated characters. `--dev` lets a developer start anyway (an unset key then becomes
a random one for that process). Exit code EX_CONFIG: a supervisor must not restart in a
loop."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from models.core.config import Config

MIN_BYTES = 32
MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
# Every key that appears, or appeared, in this repository: tokens signed with them are
# forgeable by anyone who has read the source. tests/unit keeps this list complete.
KNOWN_PLACEHOLDERS = frozenset({
    "dev-secret-change-me-0123456789abcdef",
    "change-me-to-32-or-more-random-bytes",
    "test-secret-0123456789abcdef0123456789",
    "bench-secret-0123456789abcdef0123456789",
    "bench-secret-0123456789abcdef0123",
})
PLACEHOLDER_WORDS = ("change-me", "changeme", "placeholder", "secret-key", "example")


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign tokens, or None when it may."""
    if not key:
        return "unset"
    if key in KNOWN_PLACEHOLDERS or any(w in key.lower() for w in PLACEHOLDER_WORDS):
        return "a placeholder that is public (it appears in the source)"
    if len(key.encode()) < MIN_BYTES:
        return f"shorter than {MIN_BYTES} bytes"
    if len(set(key)) < 8:
        return "made of a few repeated characters"
    return None


def require_strong(variables: list[str]) -> dict[str, str]:
    """The value of each environment variable in `variables` (passwords a role logs in
    with); exits EX_CONFIG, naming every weak or missing one, when any is."""
    weak = {name: secret_key_problem(os.environ.get(name, "")) for name in variables}
    weak = {name: problem for name, problem in weak.items() if problem}
    if weak:
        for name, problem in weak.items():
            click.secho(f"{name} is {problem}", fg="red", err=True)
        click.echo(f"Make each password with\n    {MAKE_ONE}", err=True)
        sys.exit(os.EX_CONFIG)
    return {name: os.environ[name] for name in variables}


def checked_config(dev: bool) -> Config:
    """Config.from_env(), its SECRET_KEY checked: exits with EX_CONFIG and says how to make
    a key unless `dev`; with `dev` an unset key becomes a random one for this process."""
    config = Config.from_env()
    problem = secret_key_problem(config.secret_key)
    if problem is None:
        return config
    if not dev:
        click.secho(f"SECRET_KEY is {problem}: refusing to start, tokens signed with it "
                    f"could be forged.\nMake a key with\n    {MAKE_ONE}\nand set "
                    "SECRET_KEY to it (or start with --dev for local development).",
                    fg="red", err=True)
        sys.exit(os.EX_CONFIG)
    click.secho(f"--dev: SECRET_KEY is {problem}; "
                + ("using a random key for this process" if not config.secret_key
                   else "accepted for development only"), fg="yellow", err=True)
    return config if config.secret_key else config.with_(secret_key=secrets.token_urlsafe(48))


def kept_secret_key(path: Path) -> str:
    """The key in `path`, made once (random, mode 0600) when missing: `venuebus run`
    gives every child the same key across restarts."""
    from device.config import write_private

    path = Path(path)
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    write_private(path, key + "\n")
    return key
