from __future__ import annotations

import pytest

from api.app import create_app
from models.core.config import Config

# the test client's own origin: the API tests run with BASE_URL equal to the origin they
# are served on, as `make run` sets it (hygiene/ runs them under another BASE_URL)
SERVED_ORIGIN = "http://localhost"


@pytest.fixture
def config(base_config: Config) -> Config:
    return base_config.with_(base_url=SERVED_ORIGIN)


@pytest.fixture
def app(config, db):
    return create_app(config, db)


@pytest.fixture
def client(app):
    return app.test_client()
