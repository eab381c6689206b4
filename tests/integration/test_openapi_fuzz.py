"""Schemathesis fuzzes every operation of /v1/openapi.json in-process, signed in as an owner
whose resources the path parameters name: no 5xx, and every answer (status, content type,
headers, body) as the document says; an operation that says it needs a token refuses
requests without one. What it found is replayed in test_fuzz_findings.py."""

from __future__ import annotations

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from api.app import create_app
from models.core.config import Config
from tests.support.fuzz import CHECKS, make_fuzz_world
from tests.support.services import empty_tables

# ~1200 requests in all: about 25 s of CPU on this machine. derandomize: the examples
# follow from the test's code alone (a fixed seed), so a run in CI repeats the last one.
EXAMPLES_PER_OPERATION = 20
STATEFUL_SCENARIOS = 25  # chains of up to 6 calls
FORGED_TOKEN = jwt.encode({"sub": "1", "exp": 4102444800, "iss": "venuebus"}, "f" * 32)

# The document is read at collection, to make one test per operation: an app on an
# unopened in-memory database serves it. The requests go to the fixture's app.
schema = schemathesis.openapi.from_wsgi(
    "/v1/openapi.json", create_app(Config(database_url="sqlite://", secret_key="d" * 32)))
# deletions last, so that the operations before them find the world whole
OPERATIONS = sorted((result.ok() for result in schema.get_all_operations()),
                    key=lambda op: op.method.lower() == "delete")


@pytest.fixture(scope="module")
def fuzzed(base_config, session_db):
    """One app and one world for all operations (a world per operation would cost more
    than the fuzzing)."""
    empty_tables(session_db)
    # with a webhook secret, so that Stripe's endpoint checks signatures, not its 503; the
    # quotas and throttles out of reach, so that one call answers the same whenever it
    # comes (the stateful phase replays chains and needs the same answers to the same
    # calls; each limit has its own tests)
    app = create_app(base_config.with_(
        stripe_webhook_secret="whsec_fuzz", speakers_per_user=10**6,
        max_pending_units_per_buyer=10**6, order_max_per_account=10**6,
        order_max_per_address=10**6, login_max_failures=10**6,
        login_max_failures_per_address=10**6, login_max_failures_per_account=10**6,
        signup_max_per_address=10**6), session_db)
    return app, make_fuzz_world(app.test_client(), session_db)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(operation, fuzzed):
    app, world = fuzzed
    # valid input, mostly on the owner's own resources, else on ids that may not exist;
    # invalid input with its odd ids
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=world.path_ids),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE))
    # now and then a token that does not verify, which public reads refuse too
    tokens = st.sampled_from([world.token] * 4 + [FORGED_TOKEN])

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases, tokens)
    def fuzz(case, token):
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"},
                               checks=CHECKS)

    fuzz()


def test_chained_operations_answer_as_documented(fuzzed, session_db):
    """The stateful phase: schemathesis chains operations by the links it infers (an id
    one answer creates, the next operation uses), signed in as the world's owner, with
    the same checks on every step."""
    app, world = fuzzed
    stateful = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    # as the CLI's -H: every call carries the owner's token, and ignored_auth knows it
    # for the one that counts, and probes without it
    stateful.config.update(headers={"Authorization": f"Bearer {world.token}"})

    statuses: list[int] = []

    class Chained(stateful.as_state_machine()):
        def setup(self):
            # every chain starts from the same world, ids included (they restart at 1):
            # Hypothesis replays a chain's choices and needs the same answers to them
            # (the owner gets id 1 and token version 0 again: world.token still speaks
            # for them)
            empty_tables(session_db)
            again = make_fuzz_world(app.test_client(), session_db).path_ids
            assert {k: v for k, v in again.items() if k != "identifier"} == \
                {k: v for k, v in world.path_ids.items() if k != "identifier"}  # random

        def get_call_kwargs(self, case):
            return {"app": app}

        def after_call(self, response, case):
            statuses.append(response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Chained.run(settings=settings(max_examples=STATEFUL_SCENARIOS, derandomize=True,
                                  phases=[Phase.explicit, Phase.generate],  # no shrinking:
                                  # a replay against the changed database draws other values
                                  database=None, deadline=None, stateful_step_count=6,
                                  suppress_health_check=list(HealthCheck)))
    # it ran chains, signed in: resources made and read, not only refusals
    created = statuses.count(201) + statuses.count(202)
    succeeded = sum(200 <= status < 300 for status in statuses)
    assert len(statuses) > STATEFUL_SCENARIOS and created >= 1 and succeeded >= 10, statuses
