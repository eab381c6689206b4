"""The bench's stage cut: an event's stages add up to its whole time, a stamp earlier than
the stage before it counts 0, and the confirm and mark stand beside the path."""

from __future__ import annotations

import pytest

from bench import stages
from bus.stages import StageLog


def event(**late: float) -> dict[str, float]:
    at = {"created": 100.0, "committed": 100.010, "woke": 100.011, "claiming": 100.012,
          "claimed": 100.015, "sent": 100.016, "delivered": 100.020, "started": 100.021,
          "worked": 100.031, "acked": 100.032, "confirmed": 100.025, "marked": 100.027}
    return {**at, **late}


def test_stages_add_up_to_the_whole_time():
    path, beside = stages.cut(event())
    assert path == pytest.approx([10, 1, 1, 3, 1, 4, 1, 10, 1])
    assert sum(path) == pytest.approx(32)
    assert beside == pytest.approx([9, 2])


def test_a_relay_awake_before_the_commit_waits_nothing_for_its_wake():
    # woke before this row committed (it was draining): the wait shows as busy time
    path, _ = stages.cut(event(woke=99.0))
    assert path[1] == 0
    assert path[2] == pytest.approx(2)
    assert sum(path) == pytest.approx(32)


def test_the_median_and_tail_shares_name_the_slow_stage():
    events = [event() for _ in range(98)] + [event(worked=100.5, acked=100.501)] * 2
    rows = stages.breakdown(events)
    by_name = {r[0]: r for r in rows}
    transaction = by_name["consumer transaction (commit)"]
    assert transaction[4] == "96%"  # the slowest 1%: 479 of its 501 ms
    assert transaction[3] == "31%"  # the median event: 10 of its 32 ms


def test_stage_log_lines_read_back_per_message(tmp_path):
    log = StageLog(str(tmp_path / "consume-1.jsonl"))
    log.batch(["a", "b"], delivered=[1.0, 2.0], started=3.0, worked=4.0, acked=5.0)
    log.close()
    (tmp_path / "relay-2.jsonl").write_text('{"ids":["a"],"sent":0.5}\n{"ids":["b"],"se')
    got = stages.read(tmp_path)
    assert got["a"] == {"delivered": 1.0, "started": 3.0, "worked": 4.0, "acked": 5.0,
                        "sent": 0.5}
    assert got["b"]["delivered"] == 2.0 and "sent" not in got["b"]  # a line being written


def test_no_directory_no_log():
    assert StageLog.open("", "relay") is None
