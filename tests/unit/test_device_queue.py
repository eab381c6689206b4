"""The device's copy of its queue: what follows a song that ended, older copies ignored,
and where a rebooted agent goes on."""

from __future__ import annotations

import uuid

import pytest

from contracts.speakers import new_command
from device.queue import DeviceQueue


def sync(version: int, ids=(1, 2, 3), current: int | None = 1, repeat: str = "off"):
    return new_command("queue", 7, str(uuid.uuid4()), version=version,
                       items=[{"item_id": i, "query": f"song {i}"} for i in ids],
                       current_item_id=current, repeat=repeat, start=False)


@pytest.mark.parametrize(("repeat", "ended", "expected"), [
    ("off", 1, 2), ("off", 3, None), ("all", 3, 1), ("one", 2, 2),
    ("off", None, None),  # a song played as such: the queue does not take over
])
def test_what_follows_a_song_that_ended(tmp_path, repeat, ended, expected):
    queue = DeviceQueue(tmp_path / "q.json")
    queue.update(sync(1, repeat=repeat))

    assert queue.following(ended) == expected


def test_an_item_removed_while_it_played_is_followed_by_the_queues_current(tmp_path):
    queue = DeviceQueue(tmp_path / "q.json")
    queue.update(sync(2, ids=(1, 3), current=3))  # 2 was removed while it played

    assert queue.following(2) == 3


def test_an_older_copy_of_the_queue_is_ignored(tmp_path):
    queue = DeviceQueue(tmp_path / "q.json")
    assert queue.update(sync(5, ids=(1, 2)))

    assert not queue.update(sync(4, ids=(9,), current=9))
    assert queue.query(9) is None and queue.query(2) == "song 2"


def test_a_new_agent_resumes_the_item_it_was_playing_from_its_file(tmp_path):
    queue = DeviceQueue(tmp_path / "q.json")
    queue.update(sync(1))
    queue.playing(2, 4000)

    assert DeviceQueue(tmp_path / "q.json").resume_point() == (2, "song 2", 4000)
    queue.playing(None, 0)  # stopped: nothing to resume
    assert DeviceQueue(tmp_path / "q.json").resume_point() is None
