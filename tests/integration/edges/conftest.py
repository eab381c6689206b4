"""The API on both databases it runs on: PostgreSQL (the run's database) and `make run`'s
embedded SQLite (a fresh file, migrated). What reaches a column differs between them
(SQLite's driver raises OverflowError past 64 bits), so limits are tested on both."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from tests.support.api import create_event, sign_up
from tests.support.speaker_identity import random_secret_key
from tests.support.ticketing import make_ticket, onsite


class Api(NamedTuple):
    app: Flask
    client: FlaskClient
    db: Database


@pytest.fixture(params=["postgresql", "sqlite"])
def api(request, tmp_path) -> Iterator[Api]:
    if request.param == "postgresql":
        yield Api(request.getfixturevalue("app"), request.getfixturevalue("client"),
                  request.getfixturevalue("db"))
        return
    url = f"sqlite:///{tmp_path}/edges.db"
    upgrade(url)
    app = create_app(Config(database_url=url, secret_key=random_secret_key()))
    yield Api(app, app.test_client(), app.extensions["venuebus"].db)
    app.extensions["venuebus"].db.dispose()


@pytest.fixture
def shop(api):
    """(token, event id, ticket id, attendee id) of an owner with a completed on-site
    order of one attendee, on the parametrised database."""
    owner = sign_up(api.client, "owner@example.com")
    event_id = create_event(api.client, owner)  # 2027-03-01 09:00 to 03-02 18:00 UTC
    ticket = make_ticket(api.client, owner, event_id, 5)
    r = onsite(api.client, owner, event_id, [{"id": ticket, "quantity": 1}])
    return owner, event_id, ticket, r.get_json()["included"][0]["id"]


@pytest.fixture
def quiet_log(caplog):
    """Asserts afterwards that nothing was logged at ERROR (no unhandled traceback)."""
    caplog.set_level(logging.ERROR)
    yield
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
