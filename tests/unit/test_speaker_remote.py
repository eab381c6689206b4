"""What the speaker remote says became of the commands it sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.speakers.remote import KEEP_COMMANDS, SentCommand, settle_commands

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def sent(command_id: str, expires_in: float = 30) -> SentCommand:
    return SentCommand(command_id, "pause", NOW + timedelta(seconds=expires_in))


def statuses(commands: list[SentCommand]) -> list[str]:
    return [c.status for c in commands]


def test_a_command_is_sent_until_the_device_reports_it_or_a_later_one():
    commands = [sent("a"), sent("b"), sent("c")]
    assert statuses(settle_commands(commands, None, NOW)) == ["sent", "sent", "sent"]
    assert statuses(settle_commands(commands, "b", NOW)) == ["done", "done", "sent"]
    assert statuses(settle_commands(commands, "someone-else", NOW)) == ["sent"] * 3


def test_a_command_past_its_expiry_and_never_reported_expired_and_stays_so():
    commands = settle_commands([sent("a", expires_in=-1), sent("b")], None, NOW)
    assert statuses(commands) == ["expired", "sent"]
    # the device later reports b: a stays expired (it was dropped), b is done
    assert statuses(settle_commands(commands, "b", NOW)) == ["expired", "done"]


def test_done_is_final_when_the_device_moves_on_to_commands_sent_elsewhere():
    commands = settle_commands([sent("a", expires_in=5)], "a", NOW)
    later = NOW + timedelta(seconds=60)
    assert statuses(settle_commands(commands, "from-another-remote", later)) == ["done"]


def test_only_the_newest_commands_are_kept():
    commands = [sent(str(i)) for i in range(KEEP_COMMANDS + 3)]
    kept = settle_commands(commands, None, NOW)
    assert [c.command_id for c in kept] == [str(i) for i in range(3, KEEP_COMMANDS + 3)]
