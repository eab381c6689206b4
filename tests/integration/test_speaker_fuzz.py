"""The speaker and speaker-group operations under the two checks schemathesis runs as a
client and the in-suite fuzz test leaves out (test_openapi_fuzz.py): every request the
document allows is taken (no 400 or 422), every one it forbids is refused, and none is a
5xx. Signed in as the fuzz world's owner, with a group of their own."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from api.app import create_app
from models.core.config import Config
from tests.support.api import auth, doc
from tests.support.fuzz import make_fuzz_world
from tests.support.services import empty_tables

EXAMPLES_PER_OPERATION = 15  # ~40 operations: about 30 s on this machine
CHECKS = [not_a_server_error, positive_data_acceptance, negative_data_rejection]

# read at collection, to make one test per operation (the requests go to the fixture's app)
_listed = schemathesis.openapi.from_wsgi(
    "/v1/openapi.json", create_app(Config(database_url="sqlite://", secret_key="d" * 32)))
OPERATIONS = [(op.method.upper(), op.path) for op in
              (result.ok() for result in _listed.get_all_operations())
              if op.path.startswith(("/v1/speakers", "/v1/speaker-groups"))
              and op.method.upper() == "POST"]


@pytest.fixture(scope="module")
def fuzzed(base_config, session_db):
    empty_tables(session_db)
    app = create_app(base_config.with_(speakers_per_user=10**6), session_db)
    client = app.test_client()
    world = make_fuzz_world(client, session_db)
    member = client.post("/v1/speakers", headers=auth(world.token),
                         json=doc("speaker", {"name": "Bar"})).get_json()["data"]["id"]
    group = client.post("/v1/speaker-groups", headers=auth(world.token), json=doc(
        "speaker-group", {"name": "Hall", "speakers": [member]})).get_json()["data"]["id"]
    # the app's own document: a play query's pattern names the app's media hosts
    document = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    return app, document, world.token, {**world.path_ids, "group_id": group}


@pytest.mark.parametrize(("method", "path"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_speaker_operations_take_what_the_document_allows(method, path, fuzzed):
    app, document, token, ids = fuzzed
    operation = document[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids))

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases)
    def fuzz(case):
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"},
                               checks=CHECKS)

    fuzz()
