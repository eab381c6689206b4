"""The venue's speakers through the API: an owner with a registered speaker."""

from __future__ import annotations

import pytest

from tests.support.accounts import sign_up_verified
from tests.support.api import auth


@pytest.fixture
def owner(client) -> str:
    """The owner's bearer token."""
    return sign_up_verified(client, "owner@example.com")


@pytest.fixture
def speaker_id(client, owner) -> str:
    r = client.post("/v1/speakers", headers=auth(owner),
                    json={"data": {"type": "speaker", "attributes": {"name": "Hall"}}})
    return r.get_json()["data"]["id"]
