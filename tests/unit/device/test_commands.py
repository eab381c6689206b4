"""Commands as the device reads them, and the persisted set of handled command ids."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from contracts.envelope import dumps, envelope
from contracts.speakers import BadCommand, new_command, read_command
from device.commands import HandledCommands


def body(event) -> bytes:
    return dumps(envelope(event)).encode()


def test_a_contract_command_parses_with_its_id_expiry_and_fields():
    play = new_command("play", 7, "c-1", query="dQw4w9WgXcQ")

    command = read_command(body(play), play.key(), "7")

    assert (command.command, command.command_id, command.query) == ("play", "c-1", "dQw4w9WgXcQ")
    assert not command.expired(datetime.now(UTC))
    assert command.expired(datetime.now(UTC) + timedelta(seconds=31))  # default 30 s


@pytest.mark.parametrize(("key", "event"), [
    ("speaker.8.play", new_command("play", 7, "c", query="x")),  # another device's
    ("speaker.7.reboot", new_command("stop", 7, "c")),  # not a command
    ("speaker.7.volume", new_command("volume", 7, "c", level=101)),
    ("speaker.7.play", new_command("play", 7, "c", query="  ")),
    ("speaker_group.3.play", new_command("play", 0, "c", group_id=3, query="x",
                                         group_item_id="1; drop")),
    ("speaker_group.3.play", new_command("play", 0, "c", group_id=3, query="x", prefetch=5)),
])
def test_foreign_unknown_or_invalid_commands_are_refused(key, event):
    with pytest.raises(BadCommand):
        read_command(body(event), key, "7")


def test_a_group_queue_play_carries_its_item_and_what_follows():
    play = new_command("play", 0, "g-1", group_id=3, query="a", group_item_id=12,
                       prefetch="b", start_at=datetime.now(UTC).isoformat())

    command = read_command(body(play), play.key(), "7")

    assert (command.group_id, command.group_item_id, command.prefetch) == (3, 12, "b")


def test_garbage_body_is_refused():
    with pytest.raises(BadCommand):
        read_command(b"not json", "speaker.7.stop", "7")


def test_handled_ids_are_bounded_and_survive_a_restart(tmp_path):
    path = tmp_path / "handled.json"
    handled = HandledCommands(path, limit=3)
    for cid in ("a", "b", "c", "d"):
        handled.add(cid)

    again = HandledCommands(path, limit=3)

    assert "a" not in again and all(c in again for c in ("b", "c", "d"))
    assert json.loads(path.read_text()) == ["b", "c", "d"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
