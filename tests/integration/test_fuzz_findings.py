"""What the OpenAPI fuzzer (test_openapi_fuzz.py) found, replayed as plain requests: each
answer is now what the document says, and a refused request changes nothing."""

from __future__ import annotations

import pytest

from tests.support.fuzz import make_fuzz_world, replay


@pytest.fixture
def world(client, db):
    return make_fuzz_world(client, db)


def test_a_speaker_that_never_reported_matches_its_documented_schema(app, world):
    # was: null title, volume, last-seen-at... where the document said string/integer
    r = replay(app, world.token, "GET", "/v1/speakers/{speaker_id}",
               path_parameters={"speaker_id": world.path_ids["speaker_id"]})
    assert r.status_code == 200
    assert r.json()["data"]["attributes"]["title"] is None


def test_a_new_speaker_matches_its_documented_schema(app, world):
    r = replay(app, world.token, "POST", "/v1/speakers", media_type="application/vnd.api+json",
               body={"data": {"type": "speaker", "attributes": {"name": "Hall B"}}})
    assert r.status_code == 201
