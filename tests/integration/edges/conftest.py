"""The API on both databases it runs on: PostgreSQL (the run's database) and `make run`'s
embedded SQLite (a fresh file, migrated). What reaches a column differs between them
(SQLite's driver raises OverflowError past 64 bits), so limits are tested on both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from models.core.config import Config
from models.core.db import Database
from models.core.migrate import upgrade
from tests.support.speaker_identity import random_secret_key


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
