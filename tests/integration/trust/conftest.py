"""Speakers with broker identities on the real broker: this run's vhost, and broker user
names under a per-run prefix (user names are global on a broker), deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pytest

from brokerops.admin import BrokerAdmin
from consumers.provisioner import provision_speakers
from models.accounts.users import create_user
from models.core.config import Config
from models.core.db import Database
from models.speakers.identity import device_amqp_url
from models.speakers.service import register_speaker
from producers.declare import declare_all
from tests.support.deliveries import handle, recorded


@pytest.fixture
def trust_config(base_config: Config, amqp_url: str) -> Config:
    """Speaker broker users under the run's prefix, in the run's vhost."""
    return base_config.with_(amqp_url=amqp_url)


@pytest.fixture
def admin(trust_config: Config) -> Iterator[BrokerAdmin]:
    admin = BrokerAdmin.from_config(trust_config)
    yield admin
    for user in admin.call("GET", "users") or []:
        if user["name"].startswith(trust_config.speaker_user_prefix):
            admin.close_connections(user["name"])
            admin.delete_user(user["name"])


@pytest.fixture
def tdb(db: Database, trust_config: Config) -> Iterator[Database]:
    """The run's (emptied) database, seen with this module's config by the provisioner."""
    database = Database(trust_config)
    yield database
    database.dispose()


@pytest.fixture
def backend(trust_config: Config) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    """A backend connection (guest) with the whole topology declared."""
    conn = pika.BlockingConnection(pika.URLParameters(trust_config.amqp_url))
    channel = conn.channel()
    declare_all(channel, trust_config)
    yield channel
    if conn.is_open:
        conn.close()


def provision(db: Database, routing_key: str) -> None:
    """Run the provisioner on every recorded `routing_key` event, as the runtime would."""
    handle(db, provision_speakers, recorded(db, routing_key), consumer=None)


@pytest.fixture
def speakers(tdb: Database, trust_config: Config, admin, backend):
    """Two provisioned speakers of one owner: (owner, [(id, device URL, token), ...])."""
    owner = create_user(tdb, f"o{uuid.uuid4().hex[:6]}@example.com", "password123",
                        verified=True)
    made = [register_speaker(tdb, owner, name) for name in ("A", "B")]
    provision(tdb, "speaker.registered")
    return owner, [(s.id, device_amqp_url(trust_config, s.id, token), token)
                   for s, token in made]
