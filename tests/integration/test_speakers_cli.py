"""`venuebus speakers demo`: a registered demo speaker and its agent config, idempotently."""

from __future__ import annotations

import stat

from click.testing import CliRunner

from cli.speakers import speakers
from device.config import load_config
from models.speakers.service import hash_token
from models.speakers.tables import Speaker


def test_demo_speaker_is_registered_once_and_its_config_kept(db, database_url, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "agent.json"
    runner = CliRunner()

    first = runner.invoke(speakers, ["demo", "--config", str(path)])
    second = runner.invoke(speakers, ["demo", "--config", str(path)])

    assert first.exit_code == 0 and "registered" in first.output, first.output
    assert second.exit_code == 0 and "registered" not in second.output, second.output
    config = load_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with db.session() as s:
        rows = s.query(Speaker).all()
    assert [str(r.id) for r in rows] == [config.device_id]
    assert rows[0].token_hash == hash_token(config.device_token)


def test_the_demo_user_is_verified_so_its_mail_goes_and_usage_can_be_granted(
        db, database_url, tmp_path, monkeypatch):
    from sqlalchemy import select

    from models.accounts.tables import User

    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(speakers, ["demo", "--config", str(tmp_path / "agent.json")])
    assert result.exit_code == 0, result.output
    with db.session() as s:
        demo = s.scalar(select(User).where(User.email == "demo@venuebus.local"))
    assert demo.email_verified_at is not None
