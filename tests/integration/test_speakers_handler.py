"""The speakers consumer on real PostgreSQL: the newest reported state wins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bus.consume import Delivery, Outcome
from consumers.speakers import CONSUMER
from consumers.tracking import TrackedWork
from models.accounts.users import create_user
from models.core.config import Config
from models.speakers.identity import broker_user
from models.speakers.service import is_online, register_speaker
from models.speakers.tables import Speaker
from tests.support.speaker_identity import RUN_PREFIX

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def state(speaker_id: int, status: str, at: datetime, sequence: int = 1,
          extra: dict | None = None, received: datetime | None = None) -> Delivery:
    """A state the device stamped `at`; the server received it `received` (default now)."""
    data = {"speaker_id": str(speaker_id), "status": status, "title": "Song",
            "query": "q", "source_url": "http://127.0.0.1/s.wav", "position_ms": 1200,
            "duration_ms": 30000, "volume": 80, "error": None, "command_id": "c",
            "sequence": sequence, "reported_at": at.isoformat(), **(extra or {})}
    return Delivery(message_id=str(uuid.uuid4()), routing_key=f"speaker.{speaker_id}.state",
                    type="venuebus.speaker.state", data=data, envelope={"data": data},
                    headers={}, attempt=1, redelivered=False,
                    received_at=(received or datetime.now(UTC)).timestamp(),
                    publisher=broker_user(Config(speaker_user_prefix=RUN_PREFIX),
                                          speaker_id))  # the device itself


@pytest.fixture
def speaker_id(db) -> int:
    owner = create_user(db, "o@example.com", "password123", verified=True)
    return register_speaker(db, owner, "Hall A")[0].id


@pytest.fixture
def work(db) -> TrackedWork:
    return TrackedWork(db, CONSUMER, max_attempts=3)


def stored(db, speaker_id: int) -> Speaker:
    with db.session() as s:
        return s.get(Speaker, speaker_id)


def test_reported_state_is_stored_and_marks_the_speaker_online(db, work, speaker_id):
    assert work([state(speaker_id, "playing", T0)]) == [Outcome("ack")]

    speaker = stored(db, speaker_id)
    assert speaker.state_status == "playing" and speaker.state["title"] == "Song"
    assert speaker.state["position_ms"] == 1200 and speaker.state_reported_at == T0
    assert is_online(speaker)
    assert not is_online(speaker, speaker.last_seen_at + timedelta(minutes=5))


def test_a_state_received_earlier_arriving_late_is_ignored(db, work, speaker_id):
    """A retried state keeps its first receive time: it never rolls the speaker back."""
    now = datetime.now(UTC)
    work([state(speaker_id, "paused", T0, received=now)])
    work([state(speaker_id, "playing", T0, received=now - timedelta(seconds=2))])
    assert stored(db, speaker_id).state_status == "paused"

    # received at the same instant: the device's sequence decides
    later = now + timedelta(seconds=1)
    work([state(speaker_id, "stopped", T0, sequence=2, received=later)])
    work([state(speaker_id, "playing", T0, sequence=1, received=later)])
    assert stored(db, speaker_id).state_status == "stopped"


def test_the_devices_clock_decides_nothing(db, work, speaker_id):
    """A Pi that booted with its clock a year ahead, then synced: its later states, with
    earlier clock readings, are still taken; last seen is the server's time."""
    work([state(speaker_id, "playing", T0 + timedelta(days=365))])
    work([state(speaker_id, "paused", T0)])
    speaker = stored(db, speaker_id)
    assert speaker.state_status == "paused" and speaker.state_reported_at == T0
    assert abs((speaker.last_seen_at - datetime.now(UTC)).total_seconds()) < 60


def test_in_a_batch_the_last_received_wins(db, work, speaker_id):
    work([state(speaker_id, "loading", T0 + timedelta(seconds=5)),
          state(speaker_id, "playing", T0 + timedelta(seconds=1)),
          state(speaker_id, "stopped", T0)])
    assert stored(db, speaker_id).state_status == "stopped"


@pytest.mark.parametrize("bad", [{"status": "dancing"}, {"reported_at": "yesterday"},
                                 {"speaker_id": "999"}, {"position_ms": "12"}])
def test_malformed_states_are_dead_lettered_and_change_nothing(db, work, speaker_id, bad):
    [outcome] = work([state(speaker_id, "playing", T0, extra=bad)])

    assert outcome.action == "dead"
    assert stored(db, speaker_id).state is None


def test_state_of_an_unknown_speaker_is_acked_and_dropped(db, work):
    assert work([state(424242, "playing", T0)]) == [Outcome("ack")]
