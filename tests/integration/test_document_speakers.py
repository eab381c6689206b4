"""What schemathesis, run live as a client (scripts/schemathesis_live.py), found on the
speaker and speaker-group operations: one body for play, volume and seek with no bounds
and nothing required, so that every schema-valid `level`, `position-ms`, `query`, `mode`
or group was a 422. Each test takes the document's own schema: values it allows are
accepted, values it forbids are refused (a 4xx, never a 500), and the bounds are the
models' constants."""

from __future__ import annotations

import jsonschema_rs
import pytest

from contracts.speaker_queries import MAX_QUERY_LENGTH
from contracts.speakers import MAX_LEVEL, MAX_POSITION_MS, REPEAT_MODES
from models.speakers.groups import MAX_MEMBERS
from models.speakers.guests import MODES
from models.speakers.queue import MAX_QUEUE_ITEMS
from tests.support.accounts import sign_up_verified
from tests.support.api import assert_error, auth, doc
from tests.support.group_api import new_group

SPEAKER = "/v1/speakers/{speaker_id}"
GROUP = "/v1/speaker-groups/{group_id}"


@pytest.fixture
def spec(client):
    return client.get("/v1/openapi.json").get_json()


@pytest.fixture
def owner(client, db):
    return sign_up_verified(client, "owner@example.com")


@pytest.fixture
def targets(client, owner) -> dict[str, str]:
    """A speaker of its own and a group of two others: path prefix -> its path."""
    speaker = client.post("/v1/speakers", headers=auth(owner),
                          json=doc("speaker", {"name": "Bar"})).get_json()["data"]["id"]
    group_id, _ = new_group(client, owner)
    return {SPEAKER: f"/v1/speakers/{speaker}", GROUP: f"/v1/speaker-groups/{group_id}"}


def body_schema(spec, path: str) -> dict:
    """The JSON:API form of the operation's body, its components at hand for $ref."""
    content = spec["paths"][path]["post"]["requestBody"]["content"]
    schema = content["application/vnd.api+json"]["schema"]
    document = schema["anyOf"][0] if "anyOf" in schema else schema
    return {**document, "components": spec["components"]}


def attributes(spec, path: str) -> dict:
    ref = body_schema(spec, path)["properties"]["data"]["properties"]["attributes"]["$ref"]
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def allows(schema: dict, value) -> bool:
    return jsonschema_rs.is_valid(schema, value)


def post(client, owner, path: str, type_: str, attrs: dict):
    return client.post(path, headers=auth(owner), json=doc(type_, attrs))


# (operation, resource type, good attributes, bad attributes)
COMMANDS = [
    ("volume", [{"level": 0}, {"level": MAX_LEVEL}],
     [{"level": -1}, {"level": MAX_LEVEL + 1}, {"level": "50"}, {"level": True}, {}]),
    ("seek", [{"position-ms": 0}, {"position-ms": MAX_POSITION_MS}],
     [{"position-ms": -1}, {"position-ms": MAX_POSITION_MS + 1}, {"level": 3}]),
    ("play", [{"query": "never gonna give you up"}, {"query": " dQw4w9WgXcQ "}],
     [{"query": ""}, {"query": "   "}, {"query": "x" * (MAX_QUERY_LENGTH + 1)},
      {"query": "ftp://files.example/a.mp3"}, {"query": "rtl\u202eevil"}, {"query": 5}]),
]


@pytest.mark.parametrize("base", [SPEAKER, GROUP])
@pytest.mark.parametrize(("command", "good", "bad"), COMMANDS)
def test_each_command_documents_its_body_and_the_api_agrees(client, spec, owner, targets,
                                                            base, command, good, bad):
    path = f"{base}/{command}"
    schema = body_schema(spec, path)
    assert schema["properties"]["data"]["properties"]["type"]["enum"] == ["speaker-command"]
    for attrs in good:
        assert allows(schema, doc("speaker-command", attrs)), attrs
        r = post(client, owner, f"{targets[base]}/{command}", "speaker-command", attrs)
        assert r.status_code == 202, (attrs, r.get_json())
    for attrs in bad:
        assert not allows(schema, doc("speaker-command", attrs)), attrs
        r = post(client, owner, f"{targets[base]}/{command}", "speaker-command", attrs)
        assert_error(r, 422)


def test_the_bounds_are_the_models_constants(spec):
    assert attributes(spec, f"{SPEAKER}/volume")["properties"]["level"] == {
        "type": "integer", "minimum": 0, "maximum": MAX_LEVEL}
    seek = attributes(spec, f"{GROUP}/seek")
    assert seek["required"] == ["position-ms"]
    assert (seek["properties"]["position-ms"]["minimum"],
            seek["properties"]["position-ms"]["maximum"]) == (0, MAX_POSITION_MS)
    assert spec["components"]["schemas"]["PlayQuery"]["maxLength"] == MAX_QUERY_LENGTH
    add = attributes(spec, f"{SPEAKER}/queue")
    assert add["required"] == ["query"]
    assert add["properties"]["position"]["maximum"] == MAX_QUEUE_ITEMS - 1
    assert attributes(spec, f"{GROUP}/repeat")["properties"]["mode"]["enum"] == \
        list(REPEAT_MODES)
    assert attributes(spec, f"{SPEAKER}/guest-requests")["properties"]["mode"]["enum"] == \
        list(MODES)
    assert attributes(spec, f"{GROUP}/guest-bans")["properties"]["query"]["maxLength"] == \
        MAX_QUERY_LENGTH
    speakers = spec["components"]["schemas"]["SpeakerGroup"]["properties"]["speakers"]
    assert (speakers["minItems"], speakers["maxItems"]) == (1, MAX_MEMBERS)


# (operation, resource type, good attributes, bad attributes); the queue starts empty
QUEUE = [
    ("queue", "queue-item", [{"query": "song"}, {"query": "song", "position": 0}],
     [{"query": "   "}, {}, {"query": "song", "position": MAX_QUEUE_ITEMS},
      {"query": "song", "position": -1}]),
    ("shuffle", "queue-item", [{"on": True}, {"on": False}], [{"on": "yes"}, {}]),
    ("repeat", "queue-item", [{"mode": m} for m in REPEAT_MODES],
     [{"mode": "sometimes"}, {"mode": ""}, {}]),
    ("guest-requests", "guest-request", [{"mode": m} for m in MODES],
     [{"mode": ""}, {"mode": "AUTO"}, {}]),
    ("guest-bans", "guest-ban", [{"query": " song "}, {"query": "x" * MAX_QUERY_LENGTH}],
     [{"query": ""}, {"query": "\u0085 \t"}, {"query": "x" * (MAX_QUERY_LENGTH + 1)}, {}]),
]


@pytest.mark.parametrize("base", [SPEAKER, GROUP])
@pytest.mark.parametrize(("operation", "type_", "good", "bad"), QUEUE)
def test_queue_and_guest_bodies_are_documented_and_the_api_agrees(
        client, spec, owner, targets, base, operation, type_, good, bad):
    path = f"{base}/{operation}"
    schema = body_schema(spec, path)
    if operation in ("queue", "shuffle", "repeat") and base == GROUP:
        type_ = "group-queue-item"
    for attrs in bad:
        assert not allows(schema, doc(type_, attrs)), attrs
        assert_error(post(client, owner, f"{targets[base]}/{operation}", type_, attrs), 422)
    for attrs in good:
        assert allows(schema, doc(type_, attrs)), attrs
        r = post(client, owner, f"{targets[base]}/{operation}", type_, attrs)
        assert r.status_code < 300, (attrs, r.get_json())


@pytest.mark.parametrize("name", ["\u0085", " \u3000 ", "\t"])
def test_a_name_of_only_spaces_is_refused_by_the_document_and_the_api(client, spec, owner,
                                                                     name):
    """"\u0085" (NEL) is no control character to api/text_input.py, and str.strip()
    takes it off: a speaker named only that was schema-valid and a 422."""
    for path, type_, attrs in (("/v1/speakers", "speaker", {"name": name}),
                               ("/v1/speaker-groups", "speaker-group",
                                {"name": name, "speakers": ["1"]})):
        schema = body_schema(spec, path)
        assert not allows(schema, doc(type_, attrs)), path
        assert allows(schema, doc(type_, {**attrs, "name": f"{name}Bar"})), path
        assert_error(post(client, owner, path, type_, attrs), 422, "invalid_name")


@pytest.mark.parametrize("speakers", [[], ["0"], [0], ["01"], ["\u00b2"], ["\u0663"], [True],
                                      ["1"] * (MAX_MEMBERS + 1)])
def test_a_groups_speakers_are_ids_as_documented(client, spec, owner, speakers):
    """"²" is a digit to str.isdigit and not to int(): it was a 500."""
    mine = client.post("/v1/speakers", headers=auth(owner),
                       json=doc("speaker", {"name": "Bar"})).get_json()["data"]["id"]
    schema = body_schema(spec, "/v1/speaker-groups")
    assert not allows(schema, doc("speaker-group", {"name": "G", "speakers": speakers}))
    r = post(client, owner, "/v1/speaker-groups", "speaker-group",
             {"name": "G", "speakers": speakers})
    assert_error(r, 422, "invalid_speakers", "/data/attributes/speakers")
    for good in ([mine], [int(mine)], [mine, mine]):
        assert allows(schema, doc("speaker-group", {"name": "G", "speakers": good}))
    r = post(client, owner, "/v1/speaker-groups", "speaker-group",
             {"name": "G", "speakers": [mine, int(mine)]})
    assert r.status_code == 201, r.get_json()


def test_a_body_is_a_document_of_its_type_or_the_members_alone(client, spec, owner, targets):
    """The JSON:API form is checked as every resource document is; the plain form (what
    the remotes send) is documented beside it and has no `data` member."""
    volume = f"{targets[SPEAKER]}/volume"
    content = spec["paths"][f"{SPEAKER}/volume"]["post"]["requestBody"]["content"]
    schema = {**content["application/vnd.api+json"]["schema"],
              "components": spec["components"]}
    for body, status in (({"level": 40}, 202), (doc("speaker-command", {"level": 40}), 202),
                         (doc("speaker", {"level": 40}), 409),
                         ({"data": 5, "level": 40}, 400),
                         ({"data": {"type": "speaker-command", "attributes": [40]}}, 400),
                         ({"data": {"type": "speaker-command", "id": 4,
                                    "attributes": {"level": 40}}}, 400)):
        assert allows(schema, body) is (status == 202), body
        r = client.post(volume, headers=auth(owner), json=body)
        assert r.status_code == status, (body, r.get_json())
