"""SECRET_KEY: the server processes refuse a key anyone can read or guess, `--dev`
starts anyway, `venuebus run` keeps a random one, and a token signed with any key from
the repository gets nowhere."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import timedelta

import jwt
import pytest

from api.app import create_app
from cli.secret_key import KNOWN_PLACEHOLDERS, kept_secret_key, secret_key_problem
from models.accounts.users import create_user
from models.core.base import utcnow
from tests.support.processes import ROOT, processes
from tests.support.speaker_identity import random_secret_key

WEAK = ["", "short-but-random-Xy7", *sorted(KNOWN_PLACEHOLDERS), "s" * 40,
        "change-me-please-to-a-very-long-random-value"]


QUOTED = re.compile(r"""(?i)secret_key["']?\s*[:=]\s*["']([^"'\n]+)["']""")
BARE = re.compile(r"""(?im)^\s*SECRET_KEY\s*[:=][ \t]*([^\s"'#]+)[ \t]*$""")


def keys_in(text: str) -> set[str]:
    """SECRET_KEY / secret_key values written literally in `text`."""
    return set(QUOTED.findall(text)) | set(BARE.findall(text))


def repository_keys() -> set[str]:
    """Every SECRET_KEY / secret_key value written literally in a tracked file."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    found: set[str] = set()
    for name in files:
        path = ROOT / name
        if path.suffix not in (".png", ".pdf", ".wav", ".ogg") and path.is_file():
            found |= keys_in(path.read_text(errors="replace"))
    return found


def test_the_scan_finds_keys_as_they_are_written():
    assert keys_in('    SECRET_KEY: change-me-to-32-or-more-random-bytes\n'
                   'env = {"SECRET_KEY": "bench-secret-0123456789abcdef0123"}\n'
                   'Config(secret_key="s" * 40)\nSECRET_KEY=abc\n') == {
        "change-me-to-32-or-more-random-bytes", "bench-secret-0123456789abcdef0123", "s",
        "abc"}


def test_every_key_written_in_the_repository_is_refused():
    keys = repository_keys()
    assert {k: secret_key_problem(k) for k in keys if secret_key_problem(k) is None} == {}


def test_a_random_key_is_accepted():
    assert secret_key_problem(random_secret_key()) is None


def start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cli", *command], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [["api"], ["consume", "mail"]])
@pytest.mark.parametrize("key", [None, "short", "change-me-to-32-or-more-random-bytes",
                                 "dev-secret-change-me-0123456789abcdef"])
def test_server_processes_refuse_to_start_with_a_weak_key(command, key, database_url,
                                                          amqp_url):
    env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    if key is not None:
        env["SECRET_KEY"] = key
    done = start(command, env)
    assert done.returncode == os.EX_CONFIG, done.stdout + done.stderr
    assert "secrets.token_urlsafe(48)" in done.stderr  # says how to make one
    assert "running" not in done.stdout and "listening" not in done.stdout


def test_processes_that_sign_nothing_start_without_a_key_and_hold_none(database_url,
                                                                        own_vhost, tmp_path):
    # a vhost of its own: these processes declare the topology with the defaults
    env = {"DATABASE_URL": database_url, "AMQP_URL": own_vhost}
    with processes({**env, "SECRET_KEY": ""}, tmp_path) as group:
        group.start("relay", "--no-prune", ready="relay running")
        group.start("consume", "ratings", ready="consumer ratings running")


def test_a_process_that_signs_nothing_drops_a_key_it_was_given():
    from cli.messaging import without_secret_key
    from models.accounts.verification import verification_token
    from models.core.config import Config

    config = without_secret_key(Config(secret_key=random_secret_key()))
    assert config.secret_key == ""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        verification_token(config, 1, "a@example.com")


def test_dev_starts_without_a_key(database_url, amqp_url, tmp_path, db):
    env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    with processes({**env, "SECRET_KEY": ""}, tmp_path) as group:
        proc = group.start("consume", "mail", "--dev", ready="consumer mail running")
        assert "random key" in proc.output()


def test_run_keeps_one_random_key_in_a_private_file(tmp_path):
    path = tmp_path / "var" / "secret-key"
    key = kept_secret_key(path)
    assert kept_secret_key(path) == key and secret_key_problem(key) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("forged_with", sorted(KNOWN_PLACEHOLDERS))
def test_a_token_signed_with_a_repository_key_is_refused(base_config, db, tmp_path,
                                                         forged_with):
    app = create_app(base_config.with_(secret_key=kept_secret_key(tmp_path / "key")), db)
    admin = create_user(db, "admin@example.com", "password123", is_admin=True)
    now = utcnow()
    forged = jwt.encode({"sub": str(admin.id), "iat": now, "exp": now + timedelta(hours=1),
                         "iss": "venuebus", "is-admin": True}, forged_with, algorithm="HS256")
    r = app.test_client().post(f"/v1/admin/users/{admin.id}/allowed-usage",
                               headers={"Authorization": f"Bearer {forged}"},
                               json={"data": {"type": "user-allowed-usage",
                                              "attributes": {"allowed-usage": 100}}})
    assert r.status_code == 401
