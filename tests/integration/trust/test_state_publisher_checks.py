"""The speakers consumer on the real broker, attacked through what a device or a stray
backend publisher can put in a message: only a speaker's own device sets its state, and
forged or malformed `x-venuebus-*` headers neither mislead nor stop the consumer."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pika
import pytest

from bus.messages import ATTEMPT_HEADER, ORIGIN_HEADER, PUBLISHER_HEADER
from consumers.app import build_consumer
from contracts.speakers import state_key
from contracts.topology import EXCHANGE, dead_queue
from models.speakers.identity import broker_user
from models.speakers.tables import Speaker
from tests.support.processes import wait_until


def state_message(speaker_id: int, status: str) -> bytes:
    import json

    return json.dumps({"id": str(uuid.uuid4()), "type": "venuebus.speaker.state", "data": {
        "speaker_id": str(speaker_id), "status": status, "title": None, "query": None,
        "source_url": None, "position_ms": 0, "duration_ms": None, "volume": 50,
        "error": None, "command_id": None, "sequence": 1,
        "reported_at": datetime.now(UTC).isoformat()}}).encode()


def publish(url: str, key: str, body: bytes, *, user_id: str | None, headers=None,
            exchange: str = EXCHANGE) -> None:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        channel = conn.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, key, body, pika.BasicProperties(
            message_id=str(uuid.uuid4()), delivery_mode=2, user_id=user_id,
            headers=headers or {}))


@pytest.fixture
def consumer(trust_config, tdb, backend):
    loop, _ = build_consumer(trust_config, "speakers", db=tdb, drain_deadline=5)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    assert loop.connected.wait(15)
    yield loop
    loop.stop()
    thread.join(15)


def status_of(db, speaker_id: int) -> str | None:
    with db.session() as s:
        return s.get(Speaker, speaker_id).state_status


def dead_count(channel) -> int:
    return channel.queue_declare(dead_queue("speakers"), passive=True).method.message_count


def test_only_the_speakers_own_device_sets_its_state(speakers, consumer, tdb, backend,
                                                     trust_config):
    _, [(a, url_a, _), (b, _, _)] = speakers
    dead = dead_count(backend)  # the run's vhost outlives a test
    # the backend's own credentials (no device's user_id): dead-lettered, never applied
    publish(trust_config.amqp_url, state_key(b), state_message(b, "playing"),
            user_id=None)
    wait_until(lambda: dead_count(backend) == dead + 1, timeout=60, what="dead-lettered")
    # device A, forging the headers of our retry path to pass as B's state
    publish(url_a, state_key(a), state_message(b, "paused"),
            user_id=broker_user(trust_config, a),
            headers={ORIGIN_HEADER: state_key(b), PUBLISHER_HEADER: broker_user(trust_config, b),
                     ATTEMPT_HEADER: 1})
    wait_until(lambda: dead_count(backend) == dead + 2, timeout=60, what="dead-lettered")
    assert status_of(tdb, b) is None
    # A's own state, sent by A: applied (the check is not refusing everything)
    publish(url_a, state_key(a), state_message(a, "playing"),
            user_id=broker_user(trust_config, a))
    wait_until(lambda: status_of(tdb, a) == "playing", timeout=60, what="A's state stored")
    assert status_of(tdb, b) is None


def test_a_malformed_retry_header_dead_letters_that_message_and_the_consumer_goes_on(
        speakers, consumer, tdb, backend, trust_config):
    _, [(a, url_a, _), _] = speakers
    dead = dead_count(backend)
    # on the retry path (stamped with the consumer's own user) but unreadable
    backend_user = pika.URLParameters(trust_config.amqp_url).credentials.username
    publish(trust_config.amqp_url, "venuebus.speakers", state_message(a, "paused"),
            user_id=backend_user, exchange="",
            headers={ATTEMPT_HEADER: "lots", ORIGIN_HEADER: state_key(a)})
    wait_until(lambda: dead_count(backend) == dead + 1, timeout=60, what="dead-lettered")
    # a device's unreadable header is not ours: ignored, the state itself is fine
    publish(url_a, state_key(a), state_message(a, "playing"),
            user_id=broker_user(trust_config, a), headers={ATTEMPT_HEADER: "lots"})
    wait_until(lambda: status_of(tdb, a) == "playing", timeout=60, what="A's state stored")
    assert consumer.connected.is_set()


def test_a_poison_state_from_a_device_is_dead_lettered_alone_and_the_consumer_goes_on(
        speakers, consumer, tdb, backend, trust_config):
    _, [(a, url_a, _), _] = speakers
    dead = dead_count(backend)
    # 120 KB of nested `[`: json.loads raises RecursionError, not ValueError
    publish(url_a, state_key(a), b"[" * 120_000, user_id=broker_user(trust_config, a))
    publish(url_a, state_key(a), state_message(a, "playing"),
            user_id=broker_user(trust_config, a))
    wait_until(lambda: status_of(tdb, a) == "playing", timeout=60, what="next state stored")
    wait_until(lambda: dead_count(backend) == dead + 1, timeout=60, what="dead-lettered")
    assert consumer.connected.is_set()


def test_a_state_larger_than_4_kb_is_dead_lettered_unread(speakers, consumer, tdb, backend,
                                                          trust_config):
    import json

    _, [(a, url_a, _), _] = speakers
    dead = dead_count(backend)
    big = json.loads(state_message(a, "paused"))
    big["data"]["title"] = "x" * 4200  # valid in every other way
    publish(url_a, state_key(a), json.dumps(big).encode(),
            user_id=broker_user(trust_config, a))
    wait_until(lambda: dead_count(backend) == dead + 1, timeout=60, what="dead-lettered")
    assert status_of(tdb, a) is None
    publish(url_a, state_key(a), state_message(a, "playing"),
            user_id=broker_user(trust_config, a))
    wait_until(lambda: status_of(tdb, a) == "playing", timeout=60, what="A's state stored")
