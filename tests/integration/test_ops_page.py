"""/ops without a browser: who may see it and replay (admins only, signed in, CSRF on
every POST), and that a refused or mistaken replay changes nothing in the broker. Runs on
a vhost of its own with the topology declared, against the real broker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pika
import pytest

from bus.connection import connection_parameters
from bus.messages import properties
from contracts.topology import dead_queue, queue_name
from models.accounts.users import create_user
from models.core.config import Config
from producers.declare import declare_all
from tests.support.pages import csrf_token
from tests.support.services import fresh_vhost, rabbitmq_server

PASSWORD = "password123"


@pytest.fixture
def config(base_config: Config) -> Iterator[Config]:
    with rabbitmq_server() as server, fresh_vhost(server) as vhost_url:
        config = base_config.with_(amqp_url=vhost_url)
        with pika.BlockingConnection(connection_parameters(vhost_url)) as conn:
            declare_all(conn.channel(), config)
        yield config


def depths_now(config: Config, consumer: str = "ratings") -> tuple[int, int]:
    """(messages ready in the consumer's queue, in its dead queue)."""
    with pika.BlockingConnection(connection_parameters(config.amqp_url)) as conn:
        channel = conn.channel()
        return tuple(channel.queue_declare(q, passive=True).method.message_count
                     for q in (queue_name(consumer), dead_queue(consumer)))


def depths(config: Config, expected: tuple[int, int], consumer: str = "ratings"
           ) -> tuple[int, int]:
    """The depths once they reach `expected` and still hold it half a second later, or
    what they are after 15 s. Letters a closed channel held unacked (a page's look) are
    counted again only once the broker has put them back, which a loaded machine's broker
    does some time after the close: one read right after was flaky."""
    deadline = time.monotonic() + 15
    while (now := depths_now(config, consumer)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    if now == expected:
        time.sleep(0.5)
        now = depths_now(config, consumer)  # nothing more arrives (a duplicate) after
    return now


def kill(config: Config, message_id: str, consumer: str = "ratings") -> None:
    with pika.BlockingConnection(connection_parameters(config.amqp_url)) as conn:
        conn.channel().basic_publish("", dead_queue(consumer), b'{"data": {}}',
                                     properties(message_id, "rating.changed"))


def sign_in(client, email: str) -> str:
    """Signs `email` in; the CSRF token of the session."""
    client.post("/signin", data={"email": email, "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    return csrf_token(client, "/home")


def test_signed_out_browsers_are_sent_to_sign_in(client, db, config):
    for path in ("/ops", "/ops/overview", "/ops/dead/ratings"):
        r = client.get(path)
        assert r.status_code == 302
        assert r.headers["Location"].startswith(f"{config.base_url}/signin?next=/ops")


def test_non_admins_get_403_and_replay_nothing(client, db, config):
    create_user(db, "staff@example.com", PASSWORD)
    kill(config, "m-1")
    token = sign_in(client, "staff@example.com")
    for path in ("/ops", "/ops/overview", "/ops/dead/ratings", "/ops/dead/ratings/confirm"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Only admins" in r.get_data(as_text=True)
    r = client.post("/ops/dead/ratings/replay", data={"csrf_token": token})
    assert r.status_code == 403
    assert depths(config, (0, 1)) == (0, 1)


def test_admin_replays_only_with_the_csrf_token_and_an_existing_letter(client, db, config):
    create_user(db, "root@example.com", PASSWORD, is_admin=True, verified=True)  # as `users create`
    kill(config, "m-1")
    kill(config, "m-2")
    token = sign_in(client, "root@example.com")
    page = client.get("/ops/dead/ratings").get_data(as_text=True)
    assert "2 dead letters in venuebus.ratings.dead" in page and "m-1" in page

    assert client.post("/ops/dead/ratings/replay", data={"message_id": "m-1"}).status_code == 400
    r = client.post("/ops/dead/ratings/replay", data={"message_id": "nope", "csrf_token": token})
    assert r.status_code == 404 and "No dead letter nope" in r.get_data(as_text=True)
    r = client.post("/ops/dead/unknown/replay", data={"csrf_token": token})
    assert r.status_code == 404
    assert depths(config, (0, 2)) == (0, 2)

    r = client.post("/ops/dead/ratings/replay", data={"message_id": "m-1", "csrf_token": token})
    assert r.status_code == 200 and "Replayed 1 message into venuebus.ratings" in r.get_data(
        as_text=True)
    assert depths(config, (1, 1)) == (1, 1)
    r = client.post("/ops/dead/ratings/replay", data={"csrf_token": token})
    assert "Replayed 1 message into" in r.get_data(as_text=True)
    assert depths(config, (2, 0)) == (2, 0)


def test_the_overview_shows_the_outbox_even_when_the_management_api_is_down(client, db,
                                                                              config, app):
    create_user(db, "root@example.com", PASSWORD, is_admin=True, verified=True)  # as `users create`
    app.extensions["venuebus"].config = config.with_(
        broker_api_url="http://127.0.0.1:9")  # nothing listens on the discard port
    sign_in(client, "root@example.com")
    r = client.get("/ops/overview")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-count="outbox-pending">0<' in html
    assert "management API did not answer" in html


def test_any_dead_letter_shows_and_a_page_bounds_the_list(client, db, config):
    """Dead letters are whatever publishers sent: 120 KB of nested `[`, forged counts."""
    from brokerops.deadletters import PAGE

    create_user(db, "root@example.com", PASSWORD, is_admin=True, verified=True)
    with pika.BlockingConnection(connection_parameters(config.amqp_url)) as conn:
        channel = conn.channel()
        channel.basic_publish("", dead_queue("speakers"), b"[" * 120_000, properties(
            "poison", "speaker.state",
            headers={"x-venuebus-attempt": "lots", "x-death": "forged"}))
        for i in range(PAGE + 5):
            channel.basic_publish("", dead_queue("speakers"), b'{"data": {}}',
                                  properties(f"m-{i}", "speaker.state"))
    sign_in(client, "root@example.com")
    r = client.get("/ops/dead/speakers")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f"{PAGE} dead letters in venuebus.speakers.dead (the first {PAGE} are shown)" \
        in page and "poison" in page and f"m-{PAGE - 2}" in page and f"m-{PAGE}" not in page
    assert len(page) < 200_000  # the poison's payload is shown cut short
    assert depths(config, (0, PAGE + 6), "speakers") == (0, PAGE + 6)  # all still there
