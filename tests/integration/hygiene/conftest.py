from __future__ import annotations

import pytest

from api.app import create_app

BASE_URL = "https://tickets.example.org"
# what an attacker sends to have links point at their host
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example"}


@pytest.fixture
def app(config, db):
    return create_app(config.with_(base_url=BASE_URL), db)


@pytest.fixture
def client(app):
    return app.test_client()
