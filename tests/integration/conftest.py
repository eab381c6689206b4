from __future__ import annotations

import pytest

from api.app import create_app


@pytest.fixture
def app(config, db):
    return create_app(config, db)


@pytest.fixture
def client(app):
    return app.test_client()
